/// When a worker holding a partial micro-batch stops collecting and runs it.
///
/// Waiting for company only pays when more requests are actually on their way. A request that
/// arrives while another worker is idle is taken by that worker at once, so waiting can only help
/// when every other worker is busy: then the replies those workers send next (and, with closed-loop
/// clients, the requests that answer them) arrive while this worker would otherwise have run a
/// smaller batch. So the policy is:
///
/// - a full batch, a zero `maxWait`, no other worker busy, or another worker idle (it serves the next
///   arrival at once, in parallel): run now. One connection never waits, nor does a pool of one worker;
/// - otherwise wait for more, but stop at `maxWait` after collecting began, or `idleGap` after the
///   last arrival (a burst of answers to one batch's replies arrives within a few hundred µs; after
///   a quiet gap nothing more is coming soon).
///
/// How much a worker takes (``share(ownTexts:queuedTexts:runningTexts:sharingWorkers:)``): at most its fair share
/// of the texts in flight, not everything queued. Taking the whole queue let one worker run six of eight
/// closed-loop queries while the other ran two: the six waited for a batch three times as long, and
/// the split repeated because the replies of each batch come back together. The rest stays queued for
/// the other worker (idle now, or free after its own share).
///
/// Rejected alternative: a fixed wait for every partial batch (session 2's 500 µs), which one
/// connection paid on every request because no company could ever come.
///
/// Times are nanoseconds on one monotonic clock; the type is pure so the rules are tested without threads.
public struct BatchPolicy: Sendable, Equatable {
    /// Most texts in one encoder call.
    public var maxTexts: Int
    /// Longest wait for more texts after collecting began (ns); 0 = never wait.
    public var maxWait: UInt64
    /// Stop waiting once nothing arrived for this long (ns); capped at `maxWait`.
    public var idleGap: UInt64
    /// Longest a batch should run (ns), by the measured costs (``textsWithinBudget(single:extraPerText:)``);
    /// 0 = no budget, only `maxTexts`.
    public var maxRunNanos: UInt64
    /// Longest a batch whose first job came from the bulk lane should run (ns): a flood's or a fast
    /// pipelining client's batch, which a light request arriving meanwhile would otherwise wait for
    /// (``textsWithinBudget(single:extraPerText:lane:)``); 0 = only `maxRunNanos` applies.
    public var bulkMaxRunNanos: UInt64

    /// The gap used unless a caller picks another: 150 µs, above the reply → next-request round trip
    /// of a client on the same machine and short enough that a lone batch loses little.
    public static let defaultIdleGap: UInt64 = 150_000

    public init(maxTexts: Int, maxWait: UInt64, idleGap: UInt64 = BatchPolicy.defaultIdleGap, maxRunNanos: UInt64 = 0,
                bulkMaxRunNanos: UInt64 = 0) {
        self.maxTexts = max(1, maxTexts)
        self.maxWait = maxWait
        self.idleGap = min(idleGap, maxWait)
        self.maxRunNanos = maxRunNanos
        self.bulkMaxRunNanos = bulkMaxRunNanos
    }

    /// Most texts a batch may hold so that it runs within `maxRunNanos`, when one text alone takes
    /// `single` and each further text adds `extraPerText` (``ServiceCosts``): at least 1, at most
    /// `maxTexts`; `maxTexts` when there is no budget or nothing is measured yet.
    ///
    /// Why a time budget and not only a count: every text of a batch is answered when the whole batch
    /// ends, and a request arriving meanwhile (a light caller next to a flood) waits for it too. Where
    /// batching saves little per text — fp32 short queries on this machine cost about the same per text
    /// alone as in a batch of 32 (daemon/DAEMON.md, "Batch run budget") — a long batch only adds waiting;
    /// where it saves a lot (int8), the same budget holds many more texts. A request's own texts are
    /// never split: the budget limits what is added to it.
    public func textsWithinBudget(single: UInt64, extraPerText: UInt64) -> Int {
        texts(within: maxRunNanos, single: single, extraPerText: extraPerText)
    }

    /// The same for a batch whose first job came from `lane`: a bulk batch is held to the shorter of
    /// `maxRunNanos` and `bulkMaxRunNanos` (whichever are set). Why only bulk batches by default: the
    /// budget is what keeps a light caller's wait next to a flood short (with `light_preemption`, one
    /// block of a short batch), while light traffic alone — a few requests a second per connection,
    /// answered in batches that form and drain — keeps its full batches, so its queue, and the admission
    /// that judges it, are as before (daemon/DAEMON.md, "A run budget for bulk batches only").
    public func textsWithinBudget(single: UInt64, extraPerText: UInt64, lane: QueueLane) -> Int {
        var budget = maxRunNanos
        if lane == .bulk, bulkMaxRunNanos > 0 { budget = budget > 0 ? min(budget, bulkMaxRunNanos) : bulkMaxRunNanos }
        return texts(within: budget, single: single, extraPerText: extraPerText)
    }

    private func texts(within budget: UInt64, single: UInt64, extraPerText: UInt64) -> Int {
        guard budget > 0, single > 0 else { return maxTexts }
        guard budget > single else { return 1 }
        let extra = (budget - single) / max(1, extraPerText)
        return Int(min(UInt64(maxTexts - 1), extra)) + 1
    }

    /// What a collecting worker does next.
    public enum Decision: Equatable, Sendable {
        /// Run the batch now.
        case run
        /// Wait for a new arrival or until this time (ns), then ask again.
        case wait(until: UInt64)
    }

    /// Most texts a worker holding `ownTexts` may take into its batch: its share of everything in flight
    /// for the model (`queuedTexts` still queued, `runningTexts` in other workers' running embed batches,
    /// its own), split evenly over `sharingWorkers` (this worker plus the others that are idle or running
    /// embed batches: those take the rest now or with their own returning requests; a worker busy with a
    /// non-embed task is not counted, so a lone collecting worker keeps collecting), rounded up, never
    /// below what it already holds, never above `maxTexts`. With no other sharing worker it is `maxTexts`:
    /// everything queued and what arrives while it collects (a share of what has arrived so far would stop
    /// a lone collecting worker at its first text).
    public func share(ownTexts: Int, queuedTexts: Int, runningTexts: Int, sharingWorkers: Int) -> Int {
        guard sharingWorkers > 1 else { return maxTexts }
        let inFlight = max(0, ownTexts) + max(0, queuedTexts) + max(0, runningTexts)
        let even = (inFlight + max(1, sharingWorkers) - 1) / max(1, sharingWorkers)
        return min(maxTexts, max(even, ownTexts))
    }

    /// Whether a batch (or task) that starts now may split its encoder GEMMs with the encoder's intra-op
    /// helper thread: only when no other worker is running. The helper uses whichever core is free and
    /// joins a pass whenever it is the only one in the process, so without this rule a batch that started
    /// next to another worker's took the helper the moment that worker finished — and the core it took is
    /// the one the event loop needs for that worker's replies and the client's next requests, and the one
    /// that worker needs for its next batch. Measured (daemon/DAEMON.md, "Scheduling at 8 connections"):
    /// at 8 connections the helper then cost CPU per request without taking time off the tail; a lone
    /// request (the other worker idle) still gets both cores. `onlyWhenAlone` false is the rule before
    /// session 7 (any batch may, whenever it is the only pass): `RECD_HELPER_ALONE=0` selects it, so the
    /// two can be compared with one binary.
    ///
    /// `refusing`: the pool answered a request BUSY lately (``WorkerPool/refusalMemory``). Then no batch
    /// takes the helper, alone or not: in an overload the second core is the event loop's, which reads the
    /// flood and answers it BUSY, and the callers'. With one worker under an open-loop flood at twice
    /// capacity the helper took nothing off the batches' run time (run p50 1.82 ms with it, 1.84 without)
    /// while its spinning between GEMMs delayed the event loop: the admitted replies' hop p99 was 1.72 ms
    /// with it, 0.50 without (daemon/DAEMON.md, "Session 21").
    public static func mayShareCores(otherWorkersBusy: Int, refusing: Bool = false, onlyWhenAlone: Bool = true) -> Bool {
        !refusing && (!onlyWhenAlone || otherWorkersBusy <= 0)
    }

    /// - Parameters:
    ///   - texts: texts collected so far.
    ///   - otherWorkersBusy: workers other than this one running a batch or task now.
    ///   - otherWorkersIdle: workers other than this one waiting for work.
    ///   - started: when this worker began collecting.
    ///   - lastArrival: when the newest job entered the queue (any time before `started` counts as `started`).
    ///   - now: the current time.
    public func decide(texts: Int, otherWorkersBusy: Int, otherWorkersIdle: Int,
                       started: UInt64, lastArrival: UInt64, now: UInt64) -> Decision {
        guard texts < maxTexts, maxWait > 0, otherWorkersBusy > 0, otherWorkersIdle <= 0 else { return .run }
        let deadline = min(started &+ maxWait, max(lastArrival, started) &+ idleGap)
        return now >= deadline ? .run : .wait(until: deadline)
    }
}
