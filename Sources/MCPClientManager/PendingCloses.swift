import MCPClientCore
import MCPClientProtocol

/// Every session close under way, so `Manager.close` can wait for those no slot tracks any more (a failed connect's,
/// one a disconnect started just before): a close still under way when the I/O loop stops never completes, which
/// left its server process running and leaked the session graph (transport and RPC session hold each other until
/// the close ends).
final class PendingCloses: Sendable {
    private struct State {
        var count = 0
        var drained: Waiter<Bool>?
    }
    private let state = Locked(State())

    func close(_ session: ClientSession, completion: (@Sendable () -> Void)? = nil) {
        state.withLock { $0.count += 1 }
        session.close { [self] in
            completion?()
            let drained = state.withLock { state -> Waiter<Bool>? in
                state.count -= 1
                return state.count == 0 ? state.drained : nil
            }
            drained?.resolve(true)
        }
    }

    /// Blocks until every close started so far has ended (each is bounded by its transport's shutdown).
    func waitUntilDrained() {
        let drained = state.withLock { state -> Waiter<Bool>? in
            guard state.count > 0 else { return nil }
            if state.drained == nil { state.drained = Waiter() }
            return state.drained
        }
        _ = drained?.wait(timeoutNanoseconds: nil)
    }
}
