public import MCPClientCore
import Synchronization

/// One logical request that may span several JSON-RPC requests (MRTR rounds). Completes exactly once;
/// `cancel` works in every phase, including while the host is still answering an input request.
public final class RequestHandle: @unchecked Sendable {
    private struct State {
        var rpcID: Int64?
        var finished = false
        /// Runs on cancel instead of notifications/cancelled (a task is cancelled with tasks/cancel).
        var cancelHook: (@Sendable () -> Void)?
    }

    private let rpc: RPCSession
    /// A `Mutex` (inline, no allocation) rather than `Locked`: one handle per call, and its lock is contended only
    /// by a cancel racing the call's own progress.
    private let state = Mutex(State())
    private let completion: RPCSession.Completion

    init(rpc: RPCSession, completion: @escaping RPCSession.Completion) {
        self.rpc = rpc
        self.completion = completion
    }

    /// The JSON-RPC id of the round in flight (nil while waiting for host input).
    public var currentID: Int64? { state.withLock { $0.rpcID } }

    func startRound(id: Int64) -> Bool {
        state.withLock { state in
            guard !state.finished else { return false }
            state.rpcID = id
            return true
        }
    }

    func awaitingInput() { state.withLock { $0.rpcID = nil } }

    func setCancelHook(_ hook: @escaping @Sendable () -> Void) { state.withLock { $0.cancelHook = hook } }

    func finish(_ result: Result<JSONValue, MCPError>) {
        let first = state.withLock { state -> Bool in
            defer {
                state.finished = true
                // A task's hook holds the call, which holds this handle: dropping it breaks the cycle that kept the
                // handle, its RPCSession and the transport alive after the call ended.
                state.cancelHook = nil
            }
            return !state.finished
        }
        if first { completion(result) }
    }

    /// Cancels whatever phase the request is in. The server hears notifications/cancelled for a round in flight.
    public func cancel(_ error: MCPError) {
        let (id, hook) = state.withLock { ($0.finished ? nil : $0.rpcID, $0.finished ? nil : $0.cancelHook) }
        if let hook {
            hook()
            if let id { rpc.cancel(id: id, error: error, notifyServer: false) }
        } else if let id, rpc.cancel(id: id, error: error) {
            return
        }
        finish(.failure(error))
    }
}
