import CRecdKernels
import Foundation

/// Which CPUs threads may run on (Linux `sched_setaffinity`, which applies to one thread): recd's
/// `worker_cpus` pins each model worker to a CPU of its own and keeps the other threads, the encoder's
/// intra-op helper included, off those CPUs (daemon/CONFIG.md).
public enum ThreadAffinity {
    /// The CPUs thread `tid` may run on, ascending (0 = the calling thread); empty if it cannot be read.
    public static func cpus(ofThread tid: Int32 = 0) -> [Int] {
        var buffer = [Int32](repeating: 0, count: 1024)
        let n = Int(recd_thread_get_cpus(tid, &buffer, Int32(buffer.count)))
        guard n > 0 else { return [] }
        return buffer.prefix(min(n, buffer.count)).map(Int.init)
    }

    /// Restricts the calling thread to `cpus`; threads it starts afterwards inherit them. Nil on success,
    /// else why the kernel refused (an empty list, a CPU outside the process's allowed set only, …).
    public static func restrictCurrentThread(to cpus: [Int]) -> String? {
        withCList(cpus) { recd_thread_set_cpus(0, $0, $1) }
    }

    /// Restricts every thread the process has now, and so the threads they start afterwards, to `cpus`.
    /// Nil on success, else why the kernel refused for one of them.
    public static func restrictProcessThreads(to cpus: [Int]) -> String? {
        withCList(cpus) { recd_process_threads_set_cpus($0, $1) }
    }

    /// Settles whether the encoder's intra-op helper is on by default (it is when the *calling thread*
    /// may run on two or more CPUs and `RECD_INTRA_OP` does not turn it off) before threads are pinned:
    /// decided later, on a worker pinned to one CPU, it would be off.
    public static func settleIntraOpDefault() { _ = recd_intra_op_enabled() }

    /// Keeps the encoder's intra-op helper thread on `cpus`, now if it runs and from its start otherwise
    /// (it inherits the CPUs of the worker that starts it). Nil on success, else why not.
    public static func restrictIntraOpHelper(to cpus: [Int]) -> String? {
        withCList(cpus) { recd_intra_op_set_helper_cpus($0, $1) }
    }

    /// Starts the intra-op helper thread if it is not running yet; true when it runs.
    public static func startIntraOpHelper() -> Bool { recd_intra_op_start() != 0 }

    /// The intra-op helper's kernel thread id, 0 until it has started running.
    public static var intraOpHelperThreadID: Int32 { recd_intra_op_helper_tid() }

    /// Calls `body` with `cpus` as a C int list and its count; its errno-style result as text (nil = 0).
    private static func withCList(_ cpus: [Int], _ body: (UnsafePointer<Int32>?, Int32) -> Int32) -> String? {
        let list = cpus.map { Int32(clamping: $0) }
        let code = list.withUnsafeBufferPointer { body($0.baseAddress, Int32($0.count)) }
        return code == 0 ? nil : String(cString: strerror(code))
    }
}
