/// The two lanes a pool job can wait in.
public enum QueueLane: Int, Sendable, CaseIterable {
    /// Jobs from connections no deeper than ``CallerFlow/lightDepth`` (``PipelineDepth``): served first.
    case light
    /// Jobs from connections with deeper pipelines.
    case bulk
}

/// What the queue needs to know about a job.
protocol PoolQueueEntry {
    var flow: CallerFlow { get }
    /// When the job was queued (monotonic ns).
    var enqueued: UInt64 { get }
    /// Texts of an embed job; 0 for a task.
    var texts: Int { get }
}

/// Queued texts and tasks of one lane: what its wait estimate is made of.
struct LaneLoad: Sendable, Equatable {
    var jobs = 0
    var texts = 0
    var tasks = 0
}

/// The worker pool's queue: two FIFO lanes and a count of queued jobs per connection. Pure (no locks,
/// no clock of its own), so the order is tested without threads.
///
/// Why two lanes: with one FIFO a connection that pipelines 2,048 requests puts every other caller's
/// request behind all of its own queued ones. A connection that sends slowly (an interactive caller: one
/// web request, one query; ``PipelineDepth``) goes to the light lane, which workers take first; fast
/// senders and deep pipelines wait in the bulk lane. A bulk job that has waited longer than `starvationNanos` is
/// taken before light ones, so many light callers can delay bulk work but never starve it.
///
/// Rejected: round-robin over connections. Under a flood of 64 connections × 32 in flight, admission keeps
/// only a job or two per connection queued, so a round over connections is as long as the FIFO and the
/// caller with one request in flight still waits behind one job of every flooding connection; what tells
/// the two apart is how each connection sends, which its event loop knows (``PipelineDepth``).
struct PoolQueue<Entry: PoolQueueEntry> {
    /// A bulk job waiting longer than this is taken before light jobs (ns).
    let starvationNanos: UInt64
    private var lightJobs: RingBuffer<Entry>
    private var bulkJobs: RingBuffer<Entry>
    private(set) var light = LaneLoad()
    private(set) var bulk = LaneLoad()
    /// Queued jobs per connection (entries removed at zero; capacity reserved, so no allocation).
    private var perFlow: [UInt64: Int]

    init(capacity: Int, starvationNanos: UInt64 = 100_000_000) {
        self.starvationNanos = starvationNanos
        lightJobs = RingBuffer(capacity: capacity)
        bulkJobs = RingBuffer(capacity: capacity)
        perFlow = Dictionary(minimumCapacity: capacity)
    }

    static func lane(for flow: CallerFlow) -> QueueLane { flow.isLight ? .light : .bulk }

    var count: Int { lightJobs.count + bulkJobs.count }
    var isEmpty: Bool { count == 0 }

    /// Texts and tasks queued in a lane.
    func load(_ lane: QueueLane) -> LaneLoad { lane == .light ? light : bulk }

    /// Texts and tasks queued in both lanes.
    var total: LaneLoad {
        LaneLoad(jobs: light.jobs + bulk.jobs, texts: light.texts + bulk.texts, tasks: light.tasks + bulk.tasks)
    }

    /// True when some connection other than `flow` has a job queued.
    func hasOtherFlows(than flow: UInt64) -> Bool { perFlow.count > (perFlow[flow] == nil ? 0 : 1) }

    /// Queues `entry` in its lane; returns the lane.
    @discardableResult
    mutating func append(_ entry: Entry) -> QueueLane {
        let lane = Self.lane(for: entry.flow)
        if lane == .light {
            lightJobs.append(entry); Self.add(&light, entry, 1)
        } else {
            bulkJobs.append(entry); Self.add(&bulk, entry, 1)
        }
        perFlow[entry.flow.id, default: 0] += 1
        return lane
    }

    /// The lane the next job comes from at `now`: light unless it is empty or the oldest bulk job has
    /// waited longer than `starvationNanos`; nil when both are empty.
    func nextLane(now: UInt64) -> QueueLane? {
        guard let b = bulkJobs.first else { return lightJobs.isEmpty ? nil : .light }
        guard !lightJobs.isEmpty else { return .bulk }
        return now &- b.enqueued > starvationNanos ? .bulk : .light
    }

    /// The job that ``removeNext(now:)`` would return.
    func peekNext(now: UInt64) -> Entry? {
        switch nextLane(now: now) {
        case .light: return lightJobs.first
        case .bulk: return bulkJobs.first
        case nil: return nil
        }
    }

    /// Takes the next job (``nextLane(now:)``) with its lane.
    mutating func removeNext(now: UInt64) -> (entry: Entry, lane: QueueLane)? {
        guard let lane = nextLane(now: now), let entry = removeFirst(lane) else { return nil }
        return (entry, lane)
    }

    /// The oldest job of `lane`, whatever ``nextLane(now:)`` says.
    func first(_ lane: QueueLane) -> Entry? { lane == .light ? lightJobs.first : bulkJobs.first }

    /// Takes the oldest job of `lane`, whatever ``nextLane(now:)`` says (a light job run between the
    /// blocks of a bulk batch); nil when the lane is empty.
    mutating func removeFirst(_ lane: QueueLane) -> Entry? {
        let entry: Entry
        if lane == .light {
            guard !lightJobs.isEmpty else { return nil }
            entry = lightJobs.removeFirst(); Self.add(&light, entry, -1)
        } else {
            guard !bulkJobs.isEmpty else { return nil }
            entry = bulkJobs.removeFirst(); Self.add(&bulk, entry, -1)
        }
        let id = entry.flow.id
        if let n = perFlow[id], n > 1 { perFlow[id] = n - 1 } else { perFlow[id] = nil }
        return entry
    }

    private static func add(_ load: inout LaneLoad, _ entry: Entry, _ sign: Int) {
        load.jobs += sign
        if entry.texts > 0 { load.texts += sign * entry.texts } else { load.tasks += sign }
    }
}
