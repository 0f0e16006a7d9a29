import CMCPSystem

/// A one-shot result a host thread blocks on. A futex word rather than a mutex and condition: resolving wakes
/// the waiter once and holds no lock it needs, so a blocking call costs one wake-up. Never parks a Swift
/// cooperative-pool thread and never sleep-polls.
///
/// Cheap from other modules: `resolve` and `wait` are inlinable (specialized for the caller's `Value`), and the
/// value lives in raw memory beside the futex word rather than in an `Optional<Value>` property, whose destruction
/// in the (never specialized) deinit looked up `Optional<Value>`'s metadata on every blocking call.
public final class Waiter<Value: Sendable>: @unchecked Sendable {
    /// One allocation: the futex word, the claim word, then the value (see `slot`).
    private let words: UnsafeMutablePointer<UInt32>
    /// Initialized once, after the claim and before the futex word is set; read only after it is set.
    @usableFromInline let slot: UnsafeMutablePointer<Value>

    public init() {
        let offset = max(2 * MemoryLayout<UInt32>.stride, MemoryLayout<Value>.alignment)  // alignments are powers of two
        let raw = UnsafeMutableRawPointer.allocate(
            byteCount: offset + MemoryLayout<Value>.size, alignment: max(MemoryLayout<UInt32>.alignment, MemoryLayout<Value>.alignment))
        words = raw.bindMemory(to: UInt32.self, capacity: 2)
        words.initialize(repeating: 0, count: 2)
        slot = (raw + offset).bindMemory(to: Value.self, capacity: 1)
    }

    deinit {
        // Nothing runs `resolve` any more: claimed means the value was stored.
        if words[1] != 0 { slot.deinitialize(count: 1) }
        UnsafeMutableRawPointer(words).deallocate()
    }

    /// Delivers the value; later calls are ignored. Returns whether this call delivered it.
    @inlinable @discardableResult
    public func resolve(_ newValue: Value) -> Bool {
        guard claim() else { return false }
        slot.initialize(to: newValue)
        publish()
        return true
    }

    /// Whether the value has been delivered (and can be read without blocking).
    public var isResolved: Bool { csys_oneshot_is_set(words) != 0 }

    /// Blocks until resolved or until `timeoutNanoseconds` passes (nil = forever). Returns nil on timeout.
    @inlinable
    public func wait(timeoutNanoseconds: UInt64?) -> Value? {
        waitUntilSet(timeoutNanoseconds: timeoutNanoseconds) ? slot.pointee : nil
    }

    /// True for the first caller only.
    @usableFromInline func claim() -> Bool { csys_oneshot_claim(words + 1) != 0 }

    /// Sets the futex word (release: publishes the value) and wakes the waiter.
    @usableFromInline func publish() { csys_oneshot_set(words) }

    @usableFromInline func waitUntilSet(timeoutNanoseconds: UInt64?) -> Bool {
        let timeout = timeoutNanoseconds.map { Int64(min($0, UInt64(Int64.max))) } ?? -1
        return csys_oneshot_wait(words, timeout) == 1
    }
}
