import MCPClientCore
import MCPClientProtocol
import MCPClientTransport

/// Sessions the manager closes: a connection lost to a crash, a connect that failed, a disconnect. Their
/// transports are still shutting down (a stdio server's group is sent SIGTERM, then SIGKILL, on loop timers), so
/// `Manager.close` waits for them before stopping the loop; otherwise those timers die with it and a server that
/// ignores its closed stdin outlives the manager, with our ends of its pipes.
final class ClosingSessions: Sendable {
    private struct State {
        var open = 0
        var idle: [Waiter<Bool>] = []
    }

    private let state = Locked(State())

    /// Counts the session as closing at once and closes it on `loop` soon (not inside the transport's own close
    /// callback). `afterFailure`: the transport failed by itself, and its pending requests keep that error.
    func close(_ session: ClientSession, afterFailure: Bool, on loop: EventLoop, completion: (@Sendable () -> Void)? = nil) {
        state.withLock { $0.open += 1 }
        loop.execute { [self] in
            let closed: @Sendable () -> Void = { [self] in
                completion?()
                let waiters = state.withLock { state -> [Waiter<Bool>] in
                    state.open -= 1
                    guard state.open == 0 else { return [] }
                    defer { state.idle = [] }
                    return state.idle
                }
                for waiter in waiters { waiter.resolve(true) }
            }
            if afterFailure { session.closeAfterFailure(completion: closed) } else { session.close(completion: closed) }
        }
    }

    /// Blocks until every session handed to `close` has closed, or the timeout passes; false on timeout.
    func waitUntilClosed(timeoutNanoseconds: UInt64) -> Bool {
        let waiter = Waiter<Bool>()
        let busy = state.withLock { state -> Bool in
            guard state.open > 0 else { return false }
            state.idle.append(waiter)
            return true
        }
        guard busy else { return true }
        return waiter.wait(timeoutNanoseconds: timeoutNanoseconds) == true
    }
}
