import CRecdKernels

extension PackedGEMM {
    /// Whether forward passes on the *calling thread* may share their GEMMs with the intra-op helper
    /// (default true; the process-wide ``intraOpHelper`` switch and the one-pass rule still apply).
    /// A worker pool sets it before each batch: a batch that starts while another worker is running
    /// should not take the helper when that worker finishes, because the core it frees is the one the
    /// event loop and the next batch need (daemon/DAEMON.md, "Scheduling at 8 connections (#3), session 7").
    public static func allowHelperOnThisThread(_ allowed: Bool) {
        recd_intra_op_thread_allow(allowed ? 1 : 0)
    }

    /// What ``allowHelperOnThisThread(_:)`` last set on the calling thread (true when never called).
    public static var helperAllowedOnThisThread: Bool { recd_intra_op_thread_allowed() != 0 }
}
