import Glibc

/// A one-shot result a host thread blocks on. Uses a pthread condition on CLOCK_MONOTONIC so a blocking
/// C call never parks a Swift cooperative-pool thread and never sleep-polls.
public final class Waiter<Value: Sendable>: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var value: Value?

    public init() {
        pthread_mutex_init(mutex, nil)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    /// Delivers the value; later calls are ignored. Returns whether this call delivered it.
    @discardableResult
    public func resolve(_ newValue: Value) -> Bool {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        guard value == nil else { return false }
        value = newValue
        pthread_cond_signal(condition)
        return true
    }

    /// Blocks until resolved or until `timeoutNanoseconds` passes (nil = forever). Returns nil on timeout.
    public func wait(timeoutNanoseconds: UInt64?) -> Value? {
        var deadline = timespec()
        if let timeoutNanoseconds {
            clock_gettime(CLOCK_MONOTONIC, &deadline)
            let total = UInt64(deadline.tv_nsec) + timeoutNanoseconds % 1_000_000_000
            deadline.tv_sec += Int(timeoutNanoseconds / 1_000_000_000) + Int(total / 1_000_000_000)
            deadline.tv_nsec = Int(total % 1_000_000_000)
        }
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while value == nil {
            if timeoutNanoseconds != nil {
                if pthread_cond_timedwait(condition, mutex, &deadline) == ETIMEDOUT { break }
            } else {
                pthread_cond_wait(condition, mutex)
            }
        }
        return value
    }
}
