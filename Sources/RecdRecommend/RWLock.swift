#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A reader-writer lock: many recommends read engine state at once, feedback and catalog changes
/// write briefly. Alternative rejected: a plain mutex, which would serialise concurrent recommends.
///
/// Writer-preferring on Linux: glibc's default lets new readers in while a writer waits, so under a
/// steady RECOMMEND load a FEEDBACK commit (and the model swap) waited for seconds — measured
/// with `recbench load --refit-under-load`. Readers must not nest (a nested read would deadlock
/// behind a waiting writer); none do.
final class RWLock: @unchecked Sendable {
    // Safety: the pthread lock is heap-allocated once and only used through pthread calls.
    private let lock: UnsafeMutablePointer<pthread_rwlock_t>

    init() {
        lock = .allocate(capacity: 1)
        lock.initialize(to: pthread_rwlock_t())
        #if canImport(Glibc)
        var attr = pthread_rwlockattr_t()
        pthread_rwlockattr_init(&attr)
        pthread_rwlockattr_setkind_np(&attr, Int32(PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP))
        pthread_rwlock_init(lock, &attr)
        pthread_rwlockattr_destroy(&attr)
        #else
        pthread_rwlock_init(lock, nil)
        #endif
    }

    deinit {
        pthread_rwlock_destroy(lock)
        lock.deallocate()
    }

    func read<T>(_ body: () throws -> T) rethrows -> T {
        pthread_rwlock_rdlock(lock)
        defer { pthread_rwlock_unlock(lock) }
        return try body()
    }

    func write<T>(_ body: () throws -> T) rethrows -> T {
        pthread_rwlock_wrlock(lock)
        defer { pthread_rwlock_unlock(lock) }
        return try body()
    }
}
