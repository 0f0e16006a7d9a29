import Glibc

/// A value behind a plain pthread mutex. Used instead of Synchronization.Mutex, whose slow path spins: with
/// host threads, the I/O thread and the server sharing a core, spinning on a preempted owner burned ~14% of
/// the CPU in the concurrent benchmark. A normal pthread mutex sleeps on the futex right away.
///
/// `Value` must not be a function type (or an optional or tuple of one): through the generic `inout` every
/// `withLock` re-abstracts the stored closure into a thunk that wraps the previous thunk, so each call gets slower
/// and the chain grows without bound. Hold closures in a struct (whose layout does not depend on abstraction).
///
/// `withLock` is inlinable (specialized where it is called, no generic call and closure context per use) and the
/// value skips Swift's dynamic exclusivity check: the mutex already makes every access exclusive, and the check
/// (a thread-local access set per `withLock`) cost more than the lock itself on the HTTP call path.
public final class Locked<Value>: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    @usableFromInline @exclusivity(unchecked) var value: Value

    public init(_ value: Value) {
        self.value = value
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    @inlinable @inline(__always)
    public func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        lock()
        defer { unlock() }
        return try body(&value)
    }

    // Not inlinable: they keep Glibc an internal import.
    @usableFromInline func lock() { pthread_mutex_lock(mutex) }
    @usableFromInline func unlock() { pthread_mutex_unlock(mutex) }
}

extension Locked {
    /// The value, leaving nil behind: for what must be handed over exactly once (a transport's delegate at its close).
    public func take<Wrapped>() -> Wrapped? where Value == Wrapped? {
        withLock { value in
            defer { value = nil }
            return value
        }
    }
}
