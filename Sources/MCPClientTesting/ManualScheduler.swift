public import MCPClientCore

/// A scheduler whose time moves only when a test says so.
public final class ManualScheduler: Scheduler, MonotonicClock, @unchecked Sendable {
    private struct Entry { var id: UInt64; var deadline: UInt64; var action: @Sendable () -> Void }
    private let state = Locked<(now: UInt64, next: UInt64, entries: [Entry])>((0, 1, []))

    public init() {}

    public func nowNanoseconds() -> UInt64 { state.withLock { $0.now } }

    @discardableResult
    public func schedule(afterNanoseconds: UInt64, _ action: @escaping @Sendable () -> Void) -> UInt64 {
        state.withLock { state in
            let id = state.next
            state.next += 1
            state.entries.append(Entry(id: id, deadline: state.now + afterNanoseconds, action: action))
            return id
        }
    }

    @discardableResult
    public func cancelTimer(_ id: UInt64) -> Bool {
        state.withLock { state in
            guard let index = state.entries.firstIndex(where: { $0.id == id }) else { return false }
            state.entries.remove(at: index)
            return true
        }
    }

    public var pendingTimers: Int { state.withLock { $0.entries.count } }

    /// Moves time forward and runs every timer that came due, in deadline order.
    public func advance(byNanoseconds delta: UInt64) {
        let target = state.withLock { $0.now + delta }
        while true {
            let due = state.withLock { state -> Entry? in
                guard let index = state.entries.indices.filter({ state.entries[$0].deadline <= target })
                    .min(by: { state.entries[$0].deadline < state.entries[$1].deadline }) else {
                    state.now = target
                    return nil
                }
                let entry = state.entries.remove(at: index)
                state.now = entry.deadline
                return entry
            }
            guard let due else { return }
            due.action()
        }
    }
}
