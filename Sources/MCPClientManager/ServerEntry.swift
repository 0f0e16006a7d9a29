import MCPClientConfig
import MCPClientCore
import MCPClientOAuth
import MCPClientProtocol
import Synchronization

/// Which connection of a server an operation uses (management.md §1): the shared one, a user's own, or one made for
/// a single request.
enum ConnectionKey: Hashable, Sendable {
    case shared
    case user(String)
    case request(UInt64)

    /// The user a per-user connection belongs to (events and status name it).
    var user: String? {
        if case .user(let id) = self { return id }
        return nil
    }

    var isRequest: Bool {
        if case .request = self { return true }
        return false
    }
}

/// One registered server and its connections, one per `ConnectionKey`.
final class ServerEntry: @unchecked Sendable {
    /// The configuration as checked when the server was added (its parse-time `${VAR}` expanded).
    let config: ServerConfig
    /// The configuration as written: each connection resolves its references anew (docs/config-substitution.md).
    let template: JSONObject
    /// Which connections this server gets, decided once from the template.
    let scope: ScopeClassification
    /// The registry's record of a server created at run time (its ACL); nil for the operator's servers.
    let runtime: RegistryEntry?
    /// When the record was last compared with the store's (monotonic ns): another process may change it.
    let recordCheckedAt = Atomic<UInt64>(SystemClock().nowNanoseconds())
    private let slots = Locked<(byKey: [ConnectionKey: ConnectionSlot], removed: Bool)>(([:], false))

    init(config: ServerConfig, template: JSONObject, scope: ScopeClassification, runtime: RegistryEntry? = nil) {
        self.config = config
        self.template = template
        self.scope = scope
        self.runtime = runtime
    }

    var isRemoved: Bool { slots.withLock { $0.removed } }

    /// The slot for `key`, made on first use; nil once the server was removed.
    func slot(_ key: ConnectionKey) -> ConnectionSlot? {
        slots.withLock { slots in
            guard !slots.removed else { return nil }
            if let slot = slots.byKey[key] { return slot }
            let slot = ConnectionSlot(key: key)
            slots.byKey[key] = slot
            return slot
        }
    }

    func existingSlot(_ key: ConnectionKey) -> ConnectionSlot? { slots.withLock { $0.byKey[key] } }

    var allSlots: [ConnectionSlot] { slots.withLock { Array($0.byKey.values) } }

    /// Forgets an idle slot (request-scoped connections after their request, evicted user connections), unless it
    /// is in use again or holds subscriptions the host still wants.
    func dropIfIdle(_ slot: ConnectionSlot) {
        slots.withLock { slots in
            guard slots.byKey[slot.key] === slot, slot.isDisposable else { return }
            slots.byKey.removeValue(forKey: slot.key)
        }
    }

    /// Marks the server removed and hands back every slot to close.
    func remove() -> [ConnectionSlot] {
        slots.withLock { slots in
            slots.removed = true
            defer { slots.byKey = [:] }
            return Array(slots.byKey.values)
        }
    }
}

/// One connection of a server (shared, per user or per request) and everything that lives as long as it does.
final class ConnectionSlot: @unchecked Sendable {
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
        /// Resources the host subscribed to; re-subscribed on every new connection.
        var resourceSubscriptions: Set<String> = []
        /// The OAuth side of the current connection (remote servers that use OAuth).
        var authorizer: ServerAuthorizer?
        var breaker = CircuitBreaker()
        /// When the connection last became connected (monotonic ns), for the breaker's cycle count.
        var connectedAt: UInt64?
    }

    let key: ConnectionKey
    let state = Locked(State())
    /// Operations using the connection right now; idle eviction waits for them (management.md §2.3 leases).
    let leases = Atomic<Int>(0)
    /// Monotonic time of the last use, for idle eviction.
    let lastUsed = Atomic<UInt64>(0)

    init(key: ConnectionKey) {
        self.key = key
        touch()
    }

    func touch(_ now: UInt64 = SystemClock().nowNanoseconds()) { lastUsed.store(now, ordering: .relaxed) }

    var connectedSession: ClientSession? {
        state.withLock { state in
            if case .connected(let session, _) = state.connection { return session }
            return nil
        }
    }

    /// Nothing connected or connecting, no one using it, nothing to re-subscribe.
    var isDisposable: Bool {
        leases.load(ordering: .relaxed) == 0 && state.withLock { state in
            if case .idle = state.connection { return state.resourceSubscriptions.isEmpty }
            return false
        }
    }
}
