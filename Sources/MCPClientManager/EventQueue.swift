import Glibc
public import MCPClientCore

/// The pull queue behind `mcp_manager_next_event`. Bounded: when full, droppable events (logs, progress,
/// status) are counted and reported as one `dropped` event; results and errors are never dropped.
public final class EventQueue: @unchecked Sendable {
    public enum PopResult: Equatable { case event(JSONValue), timeout, closed }

    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var events: [JSONValue] = []
    private var head = 0
    private var dropped = 0
    private var closed = false
    private var sleepers = 0
    public let capacity: Int

    public init(capacity: Int) {
        self.capacity = max(capacity, 16)
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

    public func push(_ event: JSONValue, droppable: Bool) {
        pthread_mutex_lock(mutex)
        guard !closed else { pthread_mutex_unlock(mutex); return }
        if droppable, events.count - head >= capacity {
            dropped += 1
            pthread_mutex_unlock(mutex)
            return
        }
        events.append(event)
        let wake = sleepers > 0
        pthread_mutex_unlock(mutex)
        // Signalled after unlocking so the woken consumer does not immediately block on the mutex.
        if wake { pthread_cond_signal(condition) }
    }

    /// Waits up to `timeoutMs` (negative = forever). Events queued before close are still delivered.
    public func pop(timeoutMs: Int32) -> PopResult {
        var deadline = timespec()
        if timeoutMs > 0 {
            clock_gettime(CLOCK_MONOTONIC, &deadline)
            let nanos = deadline.tv_nsec + Int(timeoutMs % 1000) * 1_000_000
            deadline.tv_sec += Int(timeoutMs / 1000) + nanos / 1_000_000_000
            deadline.tv_nsec = nanos % 1_000_000_000
        }
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while true {
            if head < events.count { return .event(takeHead()) }
            // The newest events were dropped, so the report comes after everything that was kept.
            if dropped > 0 {
                let count = dropped
                dropped = 0
                return .event(["version": 1, "kind": "dropped", "count": .int(Int64(count))])
            }
            if closed { return .closed }
            if timeoutMs == 0 { return .timeout }
            sleepers += 1
            let rc = timeoutMs < 0 ? pthread_cond_wait(condition, mutex) : pthread_cond_timedwait(condition, mutex, &deadline)
            sleepers -= 1
            if rc == ETIMEDOUT {
                return head < events.count || dropped > 0 ? pop(unlockedRetry: ()) : .timeout
            }
        }
    }

    /// After a timed-out wait that raced with a push: take what arrived (lock already held).
    private func pop(unlockedRetry: Void) -> PopResult {
        if head < events.count { return .event(takeHead()) }
        let count = dropped
        dropped = 0
        return .event(["version": 1, "kind": "dropped", "count": .int(Int64(count))])
    }

    /// The oldest event (lock held, one queued). Its slot lets go of it at once: the slots before `head` are only
    /// compacted away now and then, and a delivered tool result kept there until then (up to 1024 of them) was
    /// memory the host had already been given.
    private func takeHead() -> JSONValue {
        let event = events[head]
        events[head] = .null
        head += 1
        if head > 1024, head * 2 > events.count {
            events.removeFirst(head)
            head = 0
        }
        return event
    }

    /// Events the queue still references, delivered ones included if it kept them (a testing hook: it must come back
    /// to the number queued once they are popped).
    var referencedEvents: Int {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return events.reduce(0) { count, event in event == .null ? count : count + 1 }
    }

    /// Wakes every waiter; later pops drain what is left, then report `closed`.
    public func close() {
        pthread_mutex_lock(mutex)
        closed = true
        pthread_cond_broadcast(condition)
        pthread_mutex_unlock(mutex)
    }
}
