import CMCPSystem

/// A value behind a futex mutex (`csys_lock`). Used instead of Synchronization.Mutex, whose slow path spins: with
/// host threads, the I/O thread and the server sharing a core, spinning on a preempted owner burned ~14% of
/// the CPU in the concurrent benchmark. This one sleeps on the futex right away, like a normal pthread mutex, and
/// an uncontended lock is one atomic instruction (a pthread mutex was two library calls, ~1.5k instructions per
/// HTTP call).
///
/// `Value` must not be a function type (or an optional or tuple of one): through the generic `inout` every
/// `withLock` re-abstracts the stored closure into a thunk that wraps the previous thunk, so each call gets slower
/// and the chain grows without bound. Hold closures in a struct (whose layout does not depend on abstraction).
///
/// `withLock` is inlinable (specialized where it is called, no generic call and closure context per use) and the
/// value skips Swift's dynamic exclusivity check: the mutex already makes every access exclusive, and the check
/// (a thread-local access set per `withLock`) cost more than the lock itself on the HTTP call path.
public final class Locked<Value>: @unchecked Sendable {
    private let word = UnsafeMutablePointer<UInt32>.allocate(capacity: 1)
    @usableFromInline @exclusivity(unchecked) var value: Value

    public init(_ value: Value) {
        self.value = value
        word.initialize(to: 0)
    }

    deinit { word.deallocate() }

    @inlinable @inline(__always)
    public func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        lock()
        defer { unlock() }
        return try body(&value)
    }

    // Not inlinable: they keep CMCPSystem an internal import.
    @usableFromInline func lock() { csys_lock(word) }
    @usableFromInline func unlock() { csys_unlock(word) }
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
