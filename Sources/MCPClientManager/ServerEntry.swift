import MCPClientConfig
import MCPClientCore
import MCPClientOAuth
import MCPClientProtocol

/// One registered server and its (single, shared) connection.
final class ServerEntry: @unchecked Sendable {
    enum Status: String { case disconnected, connecting, connected, error }

    enum Connection {
        case idle
        case connecting(session: ClientSession, generation: Int, waiters: [@Sendable (Result<ClientSession, MCPError>) -> Void])
        case connected(session: ClientSession, generation: Int)
    }

    struct State {
        var connection = Connection.idle
        var status = Status.disconnected
        var lastError: MCPError?
        var generation = 0
        var removed = false
        /// Resources the host subscribed to; re-subscribed on every new connection.
        var resourceSubscriptions: Set<String> = []
        /// The OAuth side of the current connection (remote servers that use OAuth).
        var authorizer: ServerAuthorizer?
        /// Reconnects made on its own after losing a connection that had subscriptions; bounded.
        var automaticReconnects = 0
    }

    /// The configuration as checked when the server was added (its parse-time `${VAR}` expanded).
    let config: ServerConfig
    /// The configuration as written: each connection resolves its references anew (docs/config-substitution.md).
    let template: JSONObject
    let state = Locked(State())

    init(config: ServerConfig, template: JSONObject) {
        self.config = config
        self.template = template
    }

    var connectedSession: ClientSession? {
        state.withLock { state in
            if case .connected(let session, _) = state.connection { return session }
            return nil
        }
    }
}
