import CMCPSystem
import Synchronization

/// A one-shot result a host thread blocks on. A futex word rather than a mutex and condition: resolving wakes
/// the waiter once and holds no lock it needs, so a blocking call costs one wake-up. Never parks a Swift
/// cooperative-pool thread and never sleep-polls.
public final class Waiter<Value: Sendable>: @unchecked Sendable {
    private let word = UnsafeMutablePointer<UInt32>.allocate(capacity: 1)
    private let claimed = Atomic<Bool>(false)
    /// Written once before the futex word is set, read only after it is: no dynamic exclusivity check needed.
    @exclusivity(unchecked) private var value: Value?

    public init() { word.initialize(to: 0) }

    deinit { word.deallocate() }

    /// Delivers the value; later calls are ignored. Returns whether this call delivered it.
    @discardableResult
    public func resolve(_ newValue: Value) -> Bool {
        guard !claimed.exchange(true, ordering: .acquiringAndReleasing) else { return false }
        value = newValue
        csys_oneshot_set(word)  // release: publishes `value`
        return true
    }

    /// Whether the value has been delivered (and can be read without blocking).
    public var isResolved: Bool { csys_oneshot_is_set(word) != 0 }

    /// Blocks until resolved or until `timeoutNanoseconds` passes (nil = forever). Returns nil on timeout.
    public func wait(timeoutNanoseconds: UInt64?) -> Value? {
        let timeout = timeoutNanoseconds.map { Int64(min($0, UInt64(Int64.max))) } ?? -1
        return csys_oneshot_wait(word, timeout) == 1 ? value : nil
    }
}

/// `Waiter` for a request's outcome, and not generic: methods of a generic class called from another module run
/// unspecialized, and each looked up `Optional<Value>`'s metadata (a blocking call made three such calls).
public final class OutcomeWaiter: @unchecked Sendable {
    public typealias Outcome = Result<JSONValue, MCPError>
    private let word = UnsafeMutablePointer<UInt32>.allocate(capacity: 1)
    private let claimed = Atomic<Bool>(false)
    /// Written once before the futex word is set, read only after it is: no dynamic exclusivity check needed.
    @exclusivity(unchecked) private var value: Outcome?

    public init() { word.initialize(to: 0) }

    deinit { word.deallocate() }

    /// Delivers the outcome; later calls are ignored. Returns whether this call delivered it.
    @discardableResult
    public func resolve(_ newValue: Outcome) -> Bool {
        guard !claimed.exchange(true, ordering: .acquiringAndReleasing) else { return false }
        value = newValue
        csys_oneshot_set(word)  // release: publishes `value`
        return true
    }

    public var isResolved: Bool { csys_oneshot_is_set(word) != 0 }

    /// Blocks until resolved or until `timeoutNanoseconds` passes (nil = forever). Returns nil on timeout.
    public func wait(timeoutNanoseconds: UInt64?) -> Outcome? {
        let timeout = timeoutNanoseconds.map { Int64(min($0, UInt64(Int64.max))) } ?? -1
        return csys_oneshot_wait(word, timeout) == 1 ? value : nil
    }
}
