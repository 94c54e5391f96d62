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
        let list = cpus.map { Int32(clamping: $0) }
        return errorText(recd_thread_set_cpus(0, list, Int32(list.count)))
    }

    /// Restricts every thread the process has now, and so the threads they start afterwards, to `cpus`.
    /// Nil on success, else why the kernel refused for one of them.
    public static func restrictProcessThreads(to cpus: [Int]) -> String? {
        let list = cpus.map { Int32(clamping: $0) }
        return errorText(recd_process_threads_set_cpus(list, Int32(list.count)))
    }

    /// Settles whether the encoder's intra-op helper is on by default (it is when the *calling thread*
    /// may run on two or more CPUs and `RECD_INTRA_OP` does not turn it off) before threads are pinned:
    /// decided later, on a worker pinned to one CPU, it would be off.
    public static func settleIntraOpDefault() { _ = recd_intra_op_enabled() }

    /// Keeps the encoder's intra-op helper thread on `cpus`, now if it runs and from its start otherwise
    /// (it inherits the CPUs of the worker that starts it). Nil on success, else why not.
    public static func restrictIntraOpHelper(to cpus: [Int]) -> String? {
        let list = cpus.map { Int32(clamping: $0) }
        return errorText(recd_intra_op_set_helper_cpus(list, Int32(list.count)))
    }

    /// Starts the intra-op helper thread if it is not running yet; true when it runs.
    public static func startIntraOpHelper() -> Bool { recd_intra_op_start() != 0 }

    /// The intra-op helper's kernel thread id, 0 until it has started running.
    public static var intraOpHelperThreadID: Int32 { recd_intra_op_helper_tid() }

    /// The calling thread's kernel thread id.
    public static var currentThreadID: Int32 { recd_thread_id() }

    private static func errorText(_ code: Int32) -> String? {
        code == 0 ? nil : String(cString: strerror(code))
    }
}
