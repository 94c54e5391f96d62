import Foundation

/// A value behind an `NSLock`, with `Synchronization.Mutex`'s `withLock` shape.
///
/// The tests use this instead of `Mutex` because on Linux a contended `Mutex` is handed over by the
/// kernel (a priority-inheriting futex), which ThreadSanitizer cannot see; it then reports the
/// protected accesses as races. `NSLock` is a pthread mutex, which ThreadSanitizer intercepts.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
