import ArgumentParser
import Foundation

/// `recbench stalls`: how often this machine itself stalls, with no recd running. Each thread repeats a
/// fixed unit of cache-resident arithmetic (calibrated to `--unit-us` at the start) and times every unit;
/// units far slower than the median are stalls, merged across threads into events, and each event says
/// whether the threads kept their CPUs (CPU time ≈ wall time: the host slowed or took the virtual CPU
/// without the guest seeing it) or were descheduled by the guest. Run it next to a latency benchmark:
/// a p99 cannot be lower than what the machine's own stalls put into it (daemon/DAEMON.md, "Host stalls").
struct StallsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stalls",
        abstract: "Measure the machine's own stalls: fixed units of work timed on each thread, no daemon involved.")

    @Option(name: .long, help: "Threads, each timing its own units (default: the CPUs this process may use).")
    var threads: Int?

    @Option(name: .long, help: "Seconds to run.")
    var duration: Double = 10

    @Option(name: .customLong("unit-us"), help: "Length of one unit of work on an unloaded CPU, microseconds.")
    var unitMicros: Int = 1000

    @Option(name: .customLong("slow-factor"), help: "A unit slower than this many medians is a stall.")
    var slowFactor: Double = 4

    @Flag(name: .long, help: "Print one JSON object.")
    var json = false

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads: expected at least 1, found \(threads)") }
        guard duration > 0, duration <= 3600 else { throw ValidationError("--duration: expected 0 < seconds ≤ 3600, found \(duration)") }
        guard unitMicros >= 50, unitMicros <= 100_000 else {
            throw ValidationError("--unit-us: expected 50 … 100000, found \(unitMicros)")
        }
        guard slowFactor > 1 else { throw ValidationError("--slow-factor: expected more than 1, found \(slowFactor)") }
    }

    func run() throws {
        let count = threads ?? max(1, ProcessInfo.processInfo.activeProcessorCount)
        FileHandle.standardError.write(Data("recbench: timing units on \(count) threads for \(duration) s\n".utf8))
        let start = now() * 1000
        let results = StallResults(threads: count)
        let group = DispatchGroup()
        for t in 0..<count {
            group.enter()
            let thread = Thread { [duration, unitMicros] in
                results.set(t, StallWorker(unitMicros: unitMicros).run(from: start, seconds: duration))
                group.leave()
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
        group.wait()
        let summary = StallSummary(units: results.all, slowFactor: slowFactor)
        if json {
            print(summary.json(seconds: duration))
        } else {
            let running = summary.events.filter(\.runningSlow).count
            print(String(format: "%d threads, %d units: median %.3f ms, p99 %.3f, max %.3f", summary.threads, summary.units,
                         summary.medianMs, summary.p99Ms, summary.maxMs))
            print(String(format: "%d stalls (units over %.0f× the median) in %.1f s: %d with the CPU kept (host), %d descheduled",
                         summary.events.count, slowFactor, duration, running, summary.events.count - running))
            for e in summary.events.sorted(by: { $0.lostMs > $1.lostMs }).prefix(10) {
                print(String(format: "  at %.3f s: %.1f ms lost, CPU %.0f %% of wall", e.startMs / 1000, e.lostMs, e.cpuShare * 100))
            }
        }
    }
}

/// One thread's timed units.
struct StallWorker {
    let unitMicros: Int

    func run(from start: Double, seconds: Double) -> [StallUnit] {
        let n = 16_384   // 64 KiB of floats: stays in L1/L2, so a unit measures the CPU, not memory
        let data = UnsafeMutablePointer<Float>.allocate(capacity: n)
        defer { data.deallocate() }
        for i in 0..<n { data[i] = Float(i % 97) * 0.01 }
        var sink: Float = 0
        func pass(_ repeats: Int) {
            var acc: Float = 0
            for _ in 0..<repeats { for i in 0..<n { acc += data[i] } }
            sink += acc
        }
        // Calibrate on the fastest of a few tries, so a stall during calibration does not shorten every unit.
        var best = Double.infinity
        for _ in 0..<5 {
            let t0 = now() * 1000; pass(1); best = min(best, now() * 1000 - t0)
        }
        let repeats = max(1, Int((Double(unitMicros) / 1000) / max(best, 1e-6)))
        var units: [StallUnit] = []
        units.reserveCapacity(Int(seconds * 1000 * 1000 / Double(unitMicros)) * 2 + 16)
        // Each thread times `seconds` of units from when it is ready (thread start-up can take seconds
        // under a sanitizer or a loaded machine); `start` only aligns the threads' clocks for merging.
        // The units are contiguous: each starts where the last one's clocks were read, so no time falls
        // between them. Reading the thread's CPU clock is a system call, and a loaded kernel preempts (and
        // stops, on SIGSTOP) a thread on the way out of one: with a gap there, a loaded machine's
        // descheduling went unmeasured (1,997 units of 0.5 ms timed in a 2 s window beside two busy loops).
        let end = now() * 1000 + seconds * 1000
        var t0 = now() * 1000, c0 = threadCPU() * 1000
        while t0 < end {
            pass(repeats)
            let t1 = now() * 1000, c1 = threadCPU() * 1000
            units.append(StallUnit(startMs: t0 - start, wallMs: t1 - t0, cpuMs: c1 - c0))
            t0 = t1
            c0 = c1
        }
        if sink.isNaN { print("") }   // keeps the arithmetic alive
        return units
    }
}

/// Per-thread results, written once by each thread.
final class StallResults: @unchecked Sendable {
    private let lock = NSLock()
    private var units: [[StallUnit]]
    init(threads: Int) { units = Array(repeating: [], count: threads) }
    func set(_ t: Int, _ u: [StallUnit]) { lock.lock(); units[t] = u; lock.unlock() }
    var all: [[StallUnit]] { lock.lock(); defer { lock.unlock() }; return units }
}
