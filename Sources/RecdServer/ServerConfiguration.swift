import Foundation
import RecdProtocol

/// Everything the daemon's transport needs; engines are passed separately.
public struct ServerConfiguration: Sendable {
    /// Unix socket path; see ``defaultSocketPath``.
    public var socketPath: String = ServerConfiguration.defaultSocketPath
    /// Permission bits of the socket file (default 0600: owner only).
    public var socketMode: UInt16 = 0o600
    /// Group to give the socket file (with `socketMode` e.g. 0660 to let a group connect).
    public var socketGroup: String?
    /// Peer uids allowed to connect (SO_PEERCRED); default: the daemon's own uid and root.
    public var peerAccess: PeerAccess = .ownerAndRoot
    /// Model worker threads (never the event loop).
    public var workers: Int = 2
    /// Event loop threads for socket I/O.
    public var eventLoopThreads: Int = 1
    /// Pending jobs (requests waiting for a worker) before new ones get BUSY.
    public var queueCapacity: Int = 256
    /// Refuse (BUSY) a job whose estimated wait for a worker exceeds this (``AdmissionPolicy``);
    /// `.adaptive` (the default) only while the queue is standing and holds other connections' work too
    /// (``AdmissionControl``), so a burst that drains and one connection's own deep pipeline (the Python
    /// client's tests: 128 in flight) are served in full; `.automatic` always, with the limit derived from
    /// the measured time of one request; `.off` = only `queueCapacity` bounds the queue.
    public var queueDelayLimit: QueueDelayLimit = .adaptive
    /// Most texts embedded in one encoder call.
    public var maxBatchTexts: Int = 32
    /// Longest a micro-batch should run, by the measured costs: texts are added to a batch only while
    /// its estimated run stays within this (``BatchPolicy/textsWithinBudget(single:extraPerText:)``);
    /// `.zero` (the default) = no budget (only `maxBatchTexts`). Off by default: with it, queued texts
    /// wait in the queue instead of inside a long batch, and the adaptive admission, which judges the
    /// queue's sojourn, then refused ordinary load (eval-intent's INTENT stream got BUSY; daemon/DAEMON.md,
    /// "Batch run budget").
    public var maxBatchRun: Duration = .zero
    /// The same budget for batches whose first job came from the bulk lane only (a flood's, a fast
    /// pipelining client's; ``BatchPolicy/textsWithinBudget(single:extraPerText:lane:)``); `.zero` = none.
    /// 8 ms by default: with `lightPreemption` it keeps a light caller next to a flood within 2× of its
    /// latency alone, while light traffic keeps its full batches (daemon/DAEMON.md, "A run budget for
    /// bulk batches only").
    public var maxBulkBatchRun: Duration = .milliseconds(8)
    /// Longest a worker holding fewer than `maxBatchTexts` waits for more, and only while every other
    /// worker is busy (``BatchPolicy``); 0 = never.
    public var maxBatchWait: Duration = .microseconds(500)
    /// Nice value (0...19) of the worker threads (model and ranking pools), set by each as it starts (only
    /// ever lowering its priority); the event loop keeps the process's own. 0 (the default) leaves them alone. A higher value lets the
    /// event loop, which reads requests and writes replies, run first when the workers hold every core
    /// (``WorkerPool``; daemon/DAEMON.md, "Overload on the Zen 3 machine").
    public var workerNice: Int = 0
    /// CPUs the model workers are pinned to (worker `i` on `workerCPUs[i % count]`), every other thread
    /// kept on the remaining ones (``WorkerPlacement``); empty (the default) pins nothing.
    public var workerCPUs: [Int] = []
    /// Whether a model worker running a bulk batch runs waiting light embed requests between the encoder's
    /// blocks, on a second small scratch of its own (``WorkerPool``; daemon/DAEMON.md, "Light requests
    /// between the blocks of a bulk batch"). On by default: it costs a second 4 MiB scratch per worker.
    public var lightPreemption: Bool = true
    /// Frame size limit.
    public var frameLimits: FrameLimits = .default
    /// Per-request limits.
    public var requestLimits: RequestLimits = .default
    /// Open connections; one more is answered BUSY and closed.
    public var maxConnections: Int = 1024
    /// Requests one connection may have in flight; more are answered BUSY.
    public var maxInFlightPerConnection: Int = 128
    /// After answering a connection BUSY, leave its next frames unread for a pause that starts at 1 ms and
    /// doubles while BUSY repeats, up to this (``BusyBackoff``); `.zero` = never pause.
    public var busyBackoff: Duration = .milliseconds(50)
    /// How long draining waits for in-flight requests before it gives up on them.
    public var drainTimeout: Duration = .seconds(10)
    /// Default top_k for INTENT and k for RECOMMEND / SIMILAR when the request sends 0.
    public var defaultTopK: Int = 3
    public var defaultK: Int = 10
    /// Log requests whose time in recd (frame read → reply written) exceeds this many milliseconds,
    /// with where the time went (``SlowLog``); nil (the default) = off.
    public var slowRequestMs: Double?

    public init() {}

    /// `$XDG_RUNTIME_DIR/recd.sock`, else `/tmp/recd.sock`.
    public static var defaultSocketPath: String {
        if let dir = ProcessInfo.processInfo.environment["XDG_RUNTIME_DIR"], !dir.isEmpty {
            return dir + "/recd.sock"
        }
        return "/tmp/recd.sock"
    }
}
