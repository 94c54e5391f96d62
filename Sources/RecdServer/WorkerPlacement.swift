import RecdModel

/// Where `worker_cpus` puts recd's threads: model worker `i` on `workerCPUs[i % count]`, every other
/// thread (event loops, ranking workers, the encoder's intra-op helper, the main thread) on the allowed
/// CPUs left over. On a 2-vCPU machine with one worker, `[1]` keeps the worker's CPU to the encoder and
/// CPU 0 to the event loop: a flood's BUSY answers and replies no longer preempt the encoder, nor wait
/// behind it (daemon/DAEMON.md, "Session 21").
public struct WorkerPlacement: Equatable, Sendable {
    /// The workers' CPUs, in the order given.
    public let workerCPUs: [Int]
    /// The CPUs for every other thread: the allowed ones not in `workerCPUs`; empty when the workers
    /// take them all (the other threads are then left where they are).
    public let otherCPUs: [Int]

    /// Checks `workerCPUs` against `allowed` (the CPUs the process may run on) and names the first
    /// problem: a CPU outside `allowed`, or one listed twice.
    public init(workerCPUs: [Int], allowed: [Int]) throws(ConfigFile.Error) {
        var seen = Set<Int>()
        for cpu in workerCPUs {
            guard allowed.contains(cpu) else {
                throw ConfigFile.Error(description: "worker_cpus: CPU \(cpu) is not one recd may run on (allowed: \(allowed.map(String.init).joined(separator: ", ")))")
            }
            guard seen.insert(cpu).inserted else {
                throw ConfigFile.Error(description: "worker_cpus lists CPU \(cpu) twice; give each worker its own CPU")
            }
        }
        self.workerCPUs = workerCPUs
        self.otherCPUs = allowed.filter { !seen.contains($0) }
    }

    /// The CPU worker `index` is pinned to; nil when no CPU is given.
    public func cpu(forWorker index: Int) -> Int? { Self.cpu(forWorker: index, among: workerCPUs) }

    /// The rule: worker `index` on `cpus[index % count]`, in turn when there are more workers than CPUs;
    /// nil when `cpus` is empty. ``WorkerPool`` pins its threads by it.
    public static func cpu(forWorker index: Int, among cpus: [Int]) -> Int? {
        cpus.isEmpty ? nil : cpus[index % cpus.count]
    }

    /// Keeps every thread the process has now (and so the threads they start), and the encoder's
    /// intra-op helper, on `otherCPUs` (nothing when that is empty). Call it before the daemon starts its
    /// threads; the model workers then pin themselves (``WorkerPool``). Nil on success, else what failed.
    public func restrictOtherThreads() -> String? {
        ThreadAffinity.settleIntraOpDefault()
        guard !otherCPUs.isEmpty else { return nil }
        if let problem = ThreadAffinity.restrictProcessThreads(to: otherCPUs) { return "cannot keep recd's threads on CPUs \(otherCPUs): \(problem)" }
        if let problem = ThreadAffinity.restrictIntraOpHelper(to: otherCPUs) { return "cannot keep the intra-op helper on CPUs \(otherCPUs): \(problem)" }
        return nil
    }
}
