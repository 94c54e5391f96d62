import Foundation

/// Measured service times of the worker pool: what the admission estimate and STATS use.
///
/// An encoder call of n texts is modelled as `scale × (fixed + perText × n)`:
/// - `fixed` and `perText` come from the warm-up (one text and eight texts, timed before the socket
///   opens), so the model knows from the first request that a queue of eight single-text requests is
///   one batch, not eight passes;
/// - `scale` follows what batches actually take (a moving average of measured / modelled, 1/8 weight
///   to the newest), so CPU contention and other machines' speeds move the estimate;
/// - without a warm-up (`fixed` = `perText` = 0 until then) `perText` is learnt as a batch's time
///   divided by its texts, the amortised cost.
///
/// `single` is the time of a batch of exactly one text, what one request alone costs (the unit of the
/// automatic admission limit); `task` the time of one non-embed task. All nanoseconds; 0 = not measured.
/// Pure, so the estimates are testable without threads.
public struct ServiceCosts: Sendable, Equatable {
    public private(set) var fixed: UInt64 = 0
    public private(set) var perText: UInt64 = 0
    public private(set) var scale: Double = 1
    public private(set) var single: UInt64 = 0
    public private(set) var task: UInt64 = 0
    /// True once `calibrate` set the model's shape.
    public private(set) var calibrated = false
    /// The warm-up's measured time per text after the first (ns), uncapped; 0 = not calibrated.
    private var calibratedSlope: UInt64 = 0
    /// Without a warm-up: what each text after the first added to batches of two or more (moving average).
    private var learntSlope: UInt64 = 0

    /// What each text after the first adds to a batch (ns): the batch run budget's slope
    /// (``BatchPolicy/textsWithinBudget(single:extraPerText:)``). Unlike `perText` it is not capped, so it
    /// tells a model whose batches barely amortise (fp32 here) from one whose batches do (int8). Once
    /// calibrated it is the warm-up's slope (each worker timed alone) times `scale`, like every estimate:
    /// learning it from live batches was biased, because a batch of several texts mostly runs while the
    /// other worker runs too, so its extra time measured contention (6.6 ms per text against a 2.7 ms
    /// single request, session 8) and cut fp32 batches to one text. 0 = not measured yet.
    public var extraPerText: UInt64 {
        calibratedSlope > 0 ? UInt64(scale * Double(calibratedSlope)) : learntSlope
    }

    public init() {}

    /// Sets the model's shape from a timed one-text call and, if there was one, a timed call of `texts` texts.
    ///
    /// The time per extra text is capped at a quarter of the one-text time: batching short queries
    /// measured 4x cheaper per text than running them alone (int8 0.42 vs 1.77 ms), so a steeper slope
    /// means the batch's timing was preempted (a loaded machine), and trusting it would make the queue
    /// look several times longer than it is and refuse ordinary concurrency.
    public mutating func calibrate(single one: UInt64, batch: UInt64? = nil, texts: Int = 0) {
        var slope: UInt64 = 0
        if let batch, texts > 1, batch > one { slope = (batch - one) / UInt64(texts - 1) }
        perText = min(slope, one / 4)
        fixed = one - perText
        scale = 1
        single = one
        calibrated = true
        calibratedSlope = slope
    }

    /// Records an embed batch of `texts` texts that took `nanos`.
    public mutating func recordBatch(texts: Int, nanos: UInt64) {
        guard texts > 0 else { return }
        if calibrated {
            let modelled = Double(fixed &+ perText &* UInt64(texts))
            if modelled > 0 { scale = scale * 7 / 8 + (Double(nanos) / modelled) / 8 }
        } else {
            Self.average(&perText, nanos / UInt64(texts))
        }
        if texts == 1 { Self.average(&single, nanos) }
        if !calibrated, texts >= 2, single > 0 {
            Self.average(&learntSlope, nanos > single ? (nanos - single) / UInt64(texts - 1) : 0)
        }
    }

    /// Records a task that took `nanos`.
    public mutating func recordTask(nanos: UInt64) {
        Self.average(&task, nanos)
    }

    /// One request alone under current conditions: the model's one-text time scaled by what batches
    /// take now (once calibrated), else the measured one-text batches.
    public var currentSingle: UInt64 {
        calibrated ? UInt64(scale * Double(fixed &+ perText)) : single
    }

    /// Estimated time of `texts` queued texts run in batches of at most `maxBatch`, plus `tasks` tasks,
    /// on one worker.
    public func queuedWork(texts: Int, tasks: Int, maxBatch: Int) -> UInt64 {
        var embed: UInt64 = 0
        if texts > 0 {
            let batches = UInt64((texts + max(1, maxBatch) - 1) / max(1, maxBatch))
            embed = UInt64(scale * Double(batches &* fixed &+ UInt64(texts) &* perText))
        }
        return embed &+ UInt64(max(0, tasks)) &* task
    }

    private static func average(_ value: inout UInt64, _ sample: UInt64) {
        value = value == 0 ? sample : value - value / 8 + sample / 8
    }
}
