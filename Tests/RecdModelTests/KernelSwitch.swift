import Foundation

/// The kernel switches (`PackedGEMM.forcePortable`, `PackedGEMM.intraOpHelper`) are process-wide, and
/// Swift Testing runs suites in parallel. Tests that flip a switch, and tests that compare runs bit for
/// bit, hold this lock for their whole body, so none of them sees another's setting half way through.
enum KernelSwitch {
    static let lock = NSRecursiveLock()
}
