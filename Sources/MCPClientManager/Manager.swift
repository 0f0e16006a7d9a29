import MCPClientConfig
public import MCPClientCore
public import MCPClientProtocol
import MCPClientOAuth
import MCPClientTransport
import Synchronization

/// Where a user's saved `customUserVars` values come from (the registry's encrypted store; empty by default).
public protocol UserVariableSource: Sendable {
    func values(user: String, server: String) -> [String: String]
}

/// Many servers for one host: registry, connections, calls, and the event queue. Every method is thread-safe.
/// Operations complete through callbacks on the I/O thread; the `…Blocking` forms are for host threads. Every
/// operation takes a `CallContext`: the host's own (shared connections) or a user's (per-user connections).
public final class Manager: @unchecked Sendable {
    public typealias Completion = @Sendable (Result<JSONValue, MCPError>) -> Void

    public let options: ManagerOptions
    public let events: EventQueue
    let loop: EventLoop
    private let servers = Locked<[String: ServerEntry]>([:])
    /// Era per stdio launch or HTTP origin (`eraKey`), so a config change re-probes.
    let eraCache = Locked<[String: ProtocolEra]>([:])
    private let inFlight = Locked<IDTable<UInt64, InFlight>>([:])
    /// Server→client requests waiting for the host's answer (mcp_manager_respond), by request id.
    let hostRequests = Locked<[UInt64: HostRequest]>([:])
    private let nextRequestID = Atomic<UInt64>(1)
    private let closed = Atomic<Bool>(false)
    let logSink: EventLogSink
    private let httpEngineSlot = Locked<HTTPEngine?>(nil)
    /// `allowedDomains` / `allowedAddresses`: from the options, replaceable by a loaded config's `mcpSettings`.
    private let networkSettings: Locked<(domains: [String], addresses: [String])>
    /// The OAuth engine (made on first use) and a host-provided store to make it with.
    let oauthSlot = Locked<OAuthSlot>(OAuthSlot())
    /// Whether the idle sweep timer is pending.
    let sweepScheduled = Atomic<Bool>(false)
    private let userVariableSource = Locked<(any UserVariableSource)?>(nil)
    /// The server registry (docs/registry.md), made on first use over the credential store.
    let registrySlot = Locked<ServerRegistry?>(nil)
    /// The last aggregated tool listing of each user ("" for the host): the names calls resolve through.
    private let toolDirectories = Locked<[String: ToolDirectory]>([:])
    /// Connections let go of without waiting (lost, failed to connect) that are still shutting down.
    let closingSessions = ClosingSessions()

    struct OAuthSlot {
        var engine: OAuthEngine?
        var store: (any CredentialStore)?
        /// The registry holds the store (it cannot be swapped any more).
        var storeInUse = false
    }

    var networkSettingsSnapshot: (domains: [String], addresses: [String]) { networkSettings.withLock { $0 } }

    func entry(_ name: String) -> ServerEntry? { servers.withLock { $0[name] } }

    /// Adds an entry unless one of that name appeared meanwhile; returns the one in place.
    func servers(inserting entry: ServerEntry) -> ServerEntry {
        servers.withLock { servers in
            if let existing = servers[entry.config.name] { return existing }
            servers[entry.config.name] = entry
            return entry
        }
    }

    var allEntries: [ServerEntry] { servers.withLock { Array($0.values) } }

    struct HostRequest {
        var server: String
        var method: String
        /// The connection that asked: answers to a lost connection are dropped with it.
        var slot: ObjectIdentifier
        var reply: @Sendable (Result<JSONValue, MCPError>) -> Void
    }

    private struct InFlight {
        var handle: RequestHandle?
        /// A cancellation that arrived before the request was sent (e.g. while connecting).
        var cancelled: MCPError?
    }

    public init(options: ManagerOptions) throws(MCPError) {
        self.options = options
        events = EventQueue(capacity: options.eventQueueCapacity)
        loop = try EventLoop()
        logSink = EventLogSink(queue: events)
        networkSettings = Locked((options.allowedDomains, options.allowedAddresses))
    }

    /// Replaces the network allow-lists (LibreChat `mcpSettings`) for connections opened from now on; nil keeps one.
    /// Returns the lists it replaced.
    @discardableResult
    public func applyNetworkSettings(allowedDomains: [String]?, allowedAddresses: [String]?) throws(MCPError) -> (domains: [String], addresses: [String]) {
        for entry in allowedAddresses ?? [] {
            if let problem = NetworkPolicy.validateAllowedAddress(entry) { throw problem }
        }
        return networkSettings.withLock { settings in
            defer {
                if let allowedDomains { settings.domains = allowedDomains }
                if let allowedAddresses { settings.addresses = allowedAddresses }
            }
            return settings
        }
    }

    public func setUserVariableSource(_ source: any UserVariableSource) { userVariableSource.withLock { $0 = source } }

    /// The caller's directory, made by its first listing. Bounded: past `maxToolDirectories` users the others' are
    /// dropped (they only cost a re-list).
    func toolDirectory(for caller: CallContext) -> ToolDirectory {
        toolDirectories.withLock { directories in
            let key = caller.user ?? ""
            if let directory = directories[key] { return directory }
            if directories.count >= Self.maxToolDirectories { directories = [:] }
            let directory = ToolDirectory()
            directories[key] = directory
            return directory
        }
    }

    func existingToolDirectory(for caller: CallContext) -> ToolDirectory? {
        toolDirectories.withLock { $0[caller.user ?? ""] }
    }

    /// A connection of `user` (nil: a shared one, which every user sees) opened or closed, or its tools changed: the
    /// listings that may include it are no longer the last word on which names exist.
    func toolsMayHaveChanged(user: String?) {
        toolDirectories.withLock { directories in
            if let user { directories[user]?.noteChange() } else { for directory in directories.values { directory.noteChange() } }
        }
    }

    static let maxToolDirectories = 10_000

    /// A user's saved `customUserVars` values: the host's source when it set one, else the registry's store (read
    /// only for a server that declares variables).
    func userVariables(_ user: String, _ entry: ServerEntry) -> [String: String] {
        let server = entry.config.name
        if let source = userVariableSource.withLock({ $0 }) { return source.values(user: user, server: server) }
        guard let registry = registryIfMade, let record = entry.runtime ?? (try? registry.entry(named: server)) ?? nil,
              !ServerRegistry.declaredVariables(record).isEmpty
        else { return [:] }
        return (try? registry.userVariables.read(user: user, entry: record)) ?? [:]
    }

    deinit {
        loop.shutdown()
    }

    // MARK: registry

    /// Registers an operator server (from the host's own config).
    public func addServer(name: String, config json: JSONValue) throws(MCPError) {
        try checkOpen()
        guard case .object(let template) = json else { _ = try ServerConfig.parse(name: name, json: json); return }
        let entry = try makeEntry(name: name, template: template, runtime: nil)
        let added = servers.withLock { servers -> Bool in
            guard servers[name] == nil else { return false }
            servers[name] = entry
            return true
        }
        guard added else { throw MCPError(.conflict, "a server named '\(name)' already exists", details: ["server": .string(name)]) }
        if let registry = registryIfMade { _ = try? registry.registerOperator(name: name, config: template) }
    }

    /// A server's connection-side entry. Checked now with the parse-time references expanded (a URL from ${VAR}), so
    /// mistakes surface here, in the same tier `resolve` will use: a config cannot claim more trust than the host gave.
    func makeEntry(name: String, template: JSONObject, runtime: RegistryEntry?) throws(MCPError) -> ServerEntry {
        let claimed = template["source"]?["tier"]?.stringValue.flatMap(TrustTier.init(name:))
        let tier = try TrustTier.effective(host: options.substitution.tier, server: claimed)
        let prepared = try ConfigResolver.prepare(server: template, tier: tier, environment: options.substitution.environment,
            options: .init(allowOBO: options.substitution.allowOBO))
        let config = try ServerConfig.parse(name: name, json: .object(prepared.server))
        return ServerEntry(config: config, template: template, scope: ConfigResolver.classify(server: template, tier: tier), runtime: runtime)
    }

    /// Puts (or replaces, or with nil removes) a server's entry; the replaced one's connections are closed. With
    /// `expected`, only when that entry is still the current one (another thread may have replaced it already).
    func replaceEntry(
        _ name: String, with entry: ServerEntry?, expected: ServerEntry? = nil, reason: String, completion: @escaping @Sendable () -> Void = {}
    ) {
        let old = servers.withLock { servers -> ServerEntry? in
            let current = servers[name]
            if let expected, current !== expected { return nil }
            servers[name] = entry
            return current
        }
        guard let old else { completion(); return }
        disconnect(old, old.remove(), reason: reason, completion: completion)
    }

    /// Removes a server and closes every connection of it (shared, per user, per request).
    public func removeServer(name: String, completion: @escaping @Sendable (Result<Void, MCPError>) -> Void) {
        guard let entry = servers.withLock({ $0.removeValue(forKey: name) }) else {
            completion(.failure(unknownServer(name)))
            return
        }
        registryIfMade?.unregisterOperator(name: name)
        disconnect(entry, entry.remove(), reason: "removed") { completion(.success(())) }
    }

    public var serverNames: [String] { servers.withLock { Array($0.keys).sorted() } }

    /// A connection's state, for the caller's connection of the server; never connects (LibreChat's status route).
    public func status(server name: String, as caller: CallContext = .host) throws(MCPError) -> JSONValue {
        try checkOpen()
        guard let entry = entry(name) else { throw unknownServer(name) }
        let key: ConnectionKey = entry.scope.scope == .user ? connectionKey(entry, caller) : .shared
        var object: JSONObject = ["version": 1, "server": .string(name), "status": "disconnected"]
        if let user = key.user { object["user"] = .string(user) }
        object["scope"] = .string(key == .shared ? "shared" : entry.scope.scope.rawValue)
        object["requiresOAuth"] = .bool(OAuthServerSettings.isDeclared(entry.config))
        guard let slot = entry.existingSlot(key) else {
            object["authorizationState"] = .string(authorizationState(entry, key: key, connection: nil))
            return .object(object)
        }
        let now = SystemClock().nowNanoseconds()
        let connection = slot.state.withLock { state -> (status: ConnectionSlot.Status, error: MCPError?, authorized: Bool) in
            object["status"] = .string(state.status.rawValue)
            if case .connected(let session, _) = state.connection, let description = session.server {
                object["era"] = .string(description.era.rawValue)
                object["protocolVersion"] = .string(description.protocolVersion)
            }
            if let error = state.lastError {
                object["lastError"] = error.json
                if let authURL = error.details["authUrl"] { object["authUrl"] = authURL; object["requiresOAuth"] = true }
            }
            // Every remote connection has an authorizer, ready for a 401; the server uses OAuth once it holds tokens.
            let authorized = state.authorizer?.currentAuthorization() != nil
            if authorized { object["requiresOAuth"] = true }
            if let remaining = state.breaker.remaining(now: now) {
                object["circuit"] = ["open": true, "retryAfterMs": .int(Int64(remaining / 1_000_000)), "reason": .string(state.breaker.reason)]
            }
            return (state.status, state.lastError, authorized)
        }
        object["authorizationState"] = .string(authorizationState(entry, key: key, connection: connection))
        return .object(object)
    }

    /// LibreChat's `authorizationState` (management.md §4): from the connection when it tells, else from the stored
    /// tokens ("durable": a process without a live connection still knows the user signed in).
    private func authorizationState(
        _ entry: ServerEntry, key: ConnectionKey, connection: (status: ConnectionSlot.Status, error: MCPError?, authorized: Bool)?
    ) -> String {
        if let error = connection?.error, error.code == .auth { return error.details["authUrl"] != nil ? "needs_authorization" : "error" }
        if let connection, connection.authorized {
            if connection.status == .connected { return "authorized" }
            if connection.status == .connecting { return "authorizing" }
        }
        guard connection?.authorized == true || OAuthServerSettings.isDeclared(entry.config) else { return "not_required" }
        // Reading the store must not fix it: a host may still call set_credential_store. Only a store the options name
        // (a file store) is opened here.
        let engine = oauthSlot.withLock({ $0.engine }) ?? (options.oauth.store["type"]?.stringValue == "file" ? try? oauthEngine() : nil)
        guard let engine else { return "needs_authorization" }
        switch engine.status(user: key.user ?? options.oauth.user, server: entry.config.name)["state"]?.stringValue {
        case "authorized": return "authorized"
        case "failed": return "error"
        default: return "needs_authorization"
        }
    }

    // MARK: connections

    static let subscriptionAckOnConnectMs = 2_000

    /// Opens the caller's connection to a server (or joins one opening); returns the server's description.
    public func connect(server name: String, as caller: CallContext = .host, completion: @escaping Completion) {
        let route: Route
        do { route = try self.route(name, caller) } catch { completion(.failure(error)); return }
        session(for: route) { [weak self] result in
            if case .success(let connected) = result { self?.release(connected) }
            completion(result.map { connected in
                var object: JSONObject = ["version": 1, "server": .string(name)]
                for (key, value) in connected.session.server?.json ?? [:] { object[key] = value }
                return .object(object)
            })
        }
    }

    /// Closes the caller's connection to a server (the shared one for the host).
    public func disconnect(server name: String, as caller: CallContext = .host, completion: @escaping @Sendable (Result<Void, MCPError>) -> Void) {
        guard let entry = entry(name) else { completion(.failure(unknownServer(name))); return }
        guard let slot = entry.existingSlot(connectionKey(entry, caller)) else { completion(.success(())); return }
        disconnect(entry, slot, reason: nil) { completion(.success(())) }
    }

    /// One HTTP engine (libcurl loaded on first use) serves every remote server of this manager.
    func httpEngine() throws(MCPError) -> HTTPEngine {
        let made = httpEngineSlot.withLock { slot -> Result<HTTPEngine, MCPError> in
            if let engine = slot { return .success(engine) }
            do {
                let engine = try HTTPEngine(loop: loop)
                slot = engine
                return .success(engine)
            } catch {
                return .failure(MCPError(error))
            }
        }
        return try made.get()
    }

    // MARK: operations

    /// Every item of one of the list methods: `{"version":1,"server":…,"<key>":[…]}`.
    public func list(_ kind: ClientSession.ListKind, server name: String, as caller: CallContext = .host, completion: @escaping Completion) {
        let route: Route
        do { route = try self.route(name, caller) } catch { completion(.failure(error)); return }
        session(for: route) { [weak self] result in
            switch result {
            case .failure(let error): completion(.failure(error))
            case .success(let connected):
                let maxTotal = connected.config.maxTotalTimeoutMs > 0 ? UInt64(connected.config.maxTotalTimeoutMs) * 1_000_000 : nil
                connected.session.list(kind, timeoutNanoseconds: UInt64(connected.config.timeoutMs) * 1_000_000, maxTotalNanoseconds: maxTotal) {
                    [weak self] result in
                    self?.release(connected)
                    completion(result.map { ["version": 1, "server": .string(name), .init(kind.key): .array($0)] })
                }
            }
        }
    }

    /// Calls a tool: `{"version":1,"server","tool","result":{…}}`.
    public func callTool(
        server name: String, tool: String, arguments: JSONValue, timeoutMs: Int, schedulerTimeout: Bool, requestID: UInt64,
        as caller: CallContext = .host, completion: @escaping Completion
    ) {
        request(server: name, method: "tools/call", params: ["name": .string(tool), "arguments": arguments], timeoutMs: timeoutMs,
            schedulerTimeout: schedulerTimeout, requestID: requestID, as: caller,
            payload: { ["version": 1, "server": .string(name), "tool": .string(tool), "result": $0] }, completion: completion)
    }

    /// Any MCP method, sent with the server era's envelope (and MRTR for tools/call, resources/read, prompts/get).
    /// With `schedulerTimeout` the I/O loop enforces the timeout (async form); otherwise the blocking caller's own
    /// timed wait does, which keeps timer bookkeeping off the loop for the hot path. `payload` wraps the result.
    public func request(
        server name: String, method: String, params: JSONObject, timeoutMs: Int, schedulerTimeout: Bool, requestID: UInt64,
        as caller: CallContext = .host, onProgress: (@Sendable () -> Void)? = nil, resumeTask: String? = nil,
        payload: @escaping @Sendable (JSONValue) -> JSONValue, retryingExpiredSession: Bool = false, completion original: @escaping Completion
    ) {
        let route: Route
        do { route = try self.route(name, caller) } catch { original(.failure(error)); return }
        request(route, method: method, params: params, timeoutMs: timeoutMs, schedulerTimeout: schedulerTimeout, requestID: requestID,
            onProgress: onProgress, resumeTask: resumeTask, payload: payload, retryingExpiredSession: retryingExpiredSession, completion: original)
    }

    /// `passesOn`: see `requestBlocking`; the permission of this request alone, handed down to the session.
    func request(
        _ route: Route, method: String, params: JSONObject, timeoutMs: Int, schedulerTimeout: Bool, requestID: UInt64,
        onProgress: (@Sendable () -> Void)?, resumeTask: String?, payload: @escaping @Sendable (JSONValue) -> JSONValue,
        retryingExpiredSession: Bool, passesOn: Bool = false, completion original: @escaping Completion
    ) {
        beginInFlight(requestID)
        // A connected server's session comes back at once: no closure to make for it.
        let ready = session(for: route) {
            { [weak self] result in
                guard let self else { return }
                switch result {
                case .failure(let error):
                    self.endInFlight(requestID)
                    self.expiryRetrying(route, method: method, params: params, timeoutMs: timeoutMs, schedulerTimeout: schedulerTimeout,
                        requestID: requestID, onProgress: onProgress, resumeTask: resumeTask, payload: payload, on: nil,
                        retryingExpiredSession: retryingExpiredSession, passesOn: passesOn, completion: original)(.failure(error))
                case .success(let connected):
                    self.send(connected, server: route.name, method: method, params: params, schedulerTimeout: schedulerTimeout,
                        timeoutMs: timeoutMs, requestID: requestID, onProgress: onProgress, resumeTask: resumeTask, payload: payload,
                        passesOn: passesOn,
                        completion: self.expiryRetrying(route, method: method, params: params, timeoutMs: timeoutMs,
                            schedulerTimeout: schedulerTimeout, requestID: requestID, onProgress: onProgress, resumeTask: resumeTask,
                            payload: payload, on: connected, retryingExpiredSession: retryingExpiredSession, passesOn: passesOn,
                            completion: original))
                }
            }
        }
        if let ready {
            send(ready, server: route.name, method: method, params: params, schedulerTimeout: schedulerTimeout, timeoutMs: timeoutMs,
                requestID: requestID, onProgress: onProgress, resumeTask: resumeTask, payload: payload, passesOn: passesOn,
                completion: expiryRetrying(route, method: method, params: params, timeoutMs: timeoutMs, schedulerTimeout: schedulerTimeout,
                    requestID: requestID, onProgress: onProgress, resumeTask: resumeTask, payload: payload, on: ready,
                    retryingExpiredSession: retryingExpiredSession, passesOn: passesOn, completion: original))
        }
    }

    /// `original`, made to send the request once more when it fails because a handshake-era HTTP session the server
    /// forgot (404) expired: the next connect re-initializes it, so the host never sees the expiry. A connection of
    /// the modern era has no session to expire, so its calls get `original` itself (no closure to make).
    private func expiryRetrying(
        _ route: Route, method: String, params: JSONObject, timeoutMs: Int, schedulerTimeout: Bool, requestID: UInt64,
        onProgress: (@Sendable () -> Void)?, resumeTask: String?, payload: @escaping @Sendable (JSONValue) -> JSONValue,
        on connected: Connected?, retryingExpiredSession: Bool, passesOn: Bool, completion original: @escaping Completion
    ) -> Completion {
        if retryingExpiredSession || connected?.session.era == .modern { return original }
        return { [weak self] result in
            guard let self, case .failure(let error) = result, error.details["reason"] == "session_expired" else {
                original(result)
                return
            }
            self.request(route, method: method, params: params, timeoutMs: timeoutMs, schedulerTimeout: schedulerTimeout,
                requestID: requestID, onProgress: onProgress, resumeTask: resumeTask, payload: payload, retryingExpiredSession: true,
                passesOn: passesOn, completion: original)
        }
    }

    private func send(
        _ connected: Connected, server name: String, method: String, params: JSONObject, schedulerTimeout: Bool, timeoutMs: Int,
        requestID: UInt64, onProgress: (@Sendable () -> Void)?, resumeTask: String?, payload: @escaping @Sendable (JSONValue) -> JSONValue,
        passesOn: Bool = false, completion: @escaping Completion
    ) {
        let timeout = schedulerTimeout ? UInt64(timeoutMs > 0 ? timeoutMs : connected.config.timeoutMs) * 1_000_000 : nil
        send(connected, server: name, method: method, params: params, timeoutNanoseconds: timeout, requestID: requestID,
            onProgress: onProgress, resumeTask: resumeTask, payload: payload, passesOn: passesOn, completion: completion)
    }

    private func send(
        _ connected: Connected, server name: String, method: String, params: JSONObject, timeoutNanoseconds: UInt64?, requestID: UInt64,
        onProgress: (@Sendable () -> Void)?, resumeTask: String?, payload: @escaping @Sendable (JSONValue) -> JSONValue,
        passesOn: Bool = false, completion: @escaping Completion
    ) {
        // A progress token is sent when the host wants progress events or progress may extend the timeout.
        let session = connected.session
        let user = connected.slot.key.user
        let maxTotalMs = connected.config.maxTotalTimeoutMs
        let end = RequestEnd(manager: self, requestID: requestID, connected: connected, payload: payload, completion: completion,
            onProgress: onProgress, emitsProgress: options.progressEvents, server: name)
        var progress: RPCSession.ProgressHandler?
        if options.progressEvents || maxTotalMs > 0, ClientSession.isMultiRound(method) { progress = { end.progressed($0) } }
        // The total limit is never shorter than the timeout itself.
        let maxTotal = timeoutNanoseconds.flatMap { maxTotalMs > 0 ? max(UInt64(maxTotalMs) * 1_000_000, $0) : nil }
        let done: RPCSession.Completion = { end.finish($0) }
        if let cancelled = inFlight.withLock({ $0[requestID]?.cancelled }) {
            done(.failure(cancelled))
            return
        }
        // Asynchronous calls (they carry a loop-enforced timeout), and any call made while others are in flight,
        // are written in batches by the I/O thread; a lone blocking call writes at once.
        let batched = timeoutNanoseconds != nil || session.rpc.inFlightCount > 0
        func taskUpdate() -> ClientSession.TaskUpdateHandler {
            { [weak self] task in
                onProgress?()  // a task reporting its state is alive, like a call reporting progress
                self?.emitTask(name, user: user, requestID: requestID, task)
            }
        }
        let handle = if let resumeTask {
            session.resumeTask(resumeTask, timeoutNanoseconds: timeoutNanoseconds, maxTotalNanoseconds: maxTotal, taskUpdate: taskUpdate(),
                completion: done)
        } else {
            session.request(
                method: method, params: params, timeoutNanoseconds: timeoutNanoseconds, maxTotalNanoseconds: maxTotal, progress: progress,
                batched: batched, passesOn: passesOn, makingTaskUpdate: taskUpdate, completion: done)
        }
        // A cancellation that raced with sending is applied now.
        if let cancelled = attachInFlight(requestID, handle: handle) { handle.cancel(cancelled) }
    }

    /// What a sent request does when it ends or reports progress: one object whose methods the closures handed down
    /// call (a closure over one object needs no context of its own; two closures each made one).
    private final class RequestEnd: Sendable {
        weak let manager: Manager?
        let requestID: UInt64
        let connected: Connected
        let payload: @Sendable (JSONValue) -> JSONValue
        let completion: Completion
        let onProgress: (@Sendable () -> Void)?
        let emitsProgress: Bool
        let server: String

        init(
            manager: Manager, requestID: UInt64, connected: Connected, payload: @escaping @Sendable (JSONValue) -> JSONValue,
            completion: @escaping Completion, onProgress: (@Sendable () -> Void)?, emitsProgress: Bool, server: String
        ) {
            self.manager = manager
            self.requestID = requestID
            self.connected = connected
            self.payload = payload
            self.completion = completion
            self.onProgress = onProgress
            self.emitsProgress = emitsProgress
            self.server = server
        }

        func finish(_ result: Result<JSONValue, MCPError>) {
            manager?.endInFlight(requestID)
            manager?.release(connected)
            completion(result.map(payload))
        }

        func progressed(_ params: JSONObject) {
            onProgress?()
            if emitsProgress { manager?.emitProgress(server, user: connected.slot.key.user, requestID: requestID, params) }
        }
    }

    /// Sends a notification (e.g. `notifications/roots/list_changed` after the host's roots changed), connecting first.
    public func notify(server name: String, method: String, params: JSONObject?, as caller: CallContext = .host, completion: @escaping Completion) {
        let route: Route
        do { route = try self.route(name, caller) } catch { completion(.failure(error)); return }
        session(for: route) { [weak self] result in
            completion(result.map { connected in
                connected.session.rpc.notify(method: method, params: params)
                self?.release(connected)
                return ["version": 1, "server": .string(name), "method": .string(method)]
            })
        }
    }

    public func allocateRequestID() -> UInt64 { nextRequestID.wrappingAdd(1, ordering: .relaxed).oldValue }

    // MARK: cancellation

    private func beginInFlight(_ id: UInt64) { inFlight.withLock { $0[id] = InFlight() } }
    fileprivate func endInFlight(_ id: UInt64) { _ = inFlight.withLock { $0.removeValue(forKey: id) } }

    /// Records the request's handle; returns a cancellation that arrived while it was being sent.
    private func attachInFlight(_ id: UInt64, handle: RequestHandle) -> MCPError? {
        inFlight.withLock { table in
            table.modify(id) { entry in  // one lookup, the entry changed in place
                entry.handle = handle
                return entry.cancelled
            } ?? nil
        }
    }

    /// Cancels an in-flight call: the caller gets MCP_ERR_CANCELLED (or `error`), the server a notifications/cancelled.
    public func cancel(requestID: UInt64, error: MCPError = MCPError(.cancelled, "cancelled by the host")) throws(MCPError) {
        let target = inFlight.withLock { table -> RequestHandle?? in
            guard table[requestID] != nil else { return .none }
            table[requestID]?.cancelled = error
            return .some(table[requestID]?.handle)
        }
        switch target {
        case .none: throw MCPError.notFound("no request \(requestID) is in flight", details: ["request_id": .int(Int64(truncatingIfNeeded: requestID))])
        case .some(nil): return  // not sent yet: sendCall sees the cancellation
        case .some(.some(let handle)): handle.cancel(error)
        }
    }

    // MARK: blocking forms (host threads only; never from the I/O thread or a Swift task)

    /// `{"version":1,"server","tool","result"}` for a tool call, blocking.
    public func callToolBlocking(
        server: String, tool: String, arguments: JSONValue, timeoutMs: Int, as caller: CallContext = .host, passesOn: Bool = false
    ) -> Result<JSONValue, MCPError> {
        toolResultBlocking(server: server, tool: tool, arguments: arguments, timeoutMs: timeoutMs, as: caller, passesOn: passesOn)
            .map { ["version": 1, "server": .string(server), "tool": .string(tool), "result": $0] }
    }

    /// The tool's result alone, for a caller that writes `callToolBlocking`'s document itself (the C export: no
    /// document and no closure over the names to build per call).
    public func toolResultBlocking(
        server: String, tool: String, arguments: JSONValue, timeoutMs: Int, as caller: CallContext = .host, passesOn: Bool = false
    ) -> Result<JSONValue, MCPError> {
        requestBlocking(server: server, method: "tools/call", params: ["name": .string(tool), "arguments": arguments], timeoutMs: timeoutMs,
            label: "tools/call \(tool)", as: caller, passesOn: passesOn) { $0 }
    }

    /// Any method, blocking, with the call's timeout enforced on this thread (see `request`). `passesOn`: the caller
    /// only writes the result out (nothing reads inside it), so the reply to this request (and no other one made on
    /// this thread meanwhile) may be read shallow (`OutgoingRequest.resultMayStayShallow`). The reply's pass-through
    /// (`BlockingCall.passThrough`) is left for this thread's `JSONPassThrough.take()`.
    public func requestBlocking(
        server: String, method: String, params: JSONObject, timeoutMs: Int, label: @autoclosure () -> String? = nil, resumeTask: String? = nil,
        as caller: CallContext = .host, passesOn: Bool = false, payload: @escaping @Sendable (JSONValue) -> JSONValue
    ) -> Result<JSONValue, MCPError> {
        let route: Route
        do { route = try self.route(server, caller) } catch { return .failure(error) }
        let entry = route.entry
        // Connecting has its own budget (initTimeout); the call's timeout starts when the request goes out. A
        // request-scoped connection is opened by the request itself (it closes when the request ends).
        if !route.key.isRequest, entry.existingSlot(route.key)?.connectedSession == nil {
            let connected = blocking { done in
                session(for: route) { [weak self] result in
                    done(result.map { connected in
                        self?.release(connected)
                        return .null
                    })
                }
            }
            if case .failure(let error) = connected { return .failure(error) }
        }
        let waiter = Waiter<Result<JSONValue, MCPError>>()
        let requestID = allocateRequestID()
        let effective = timeoutMs > 0 ? timeoutMs : entry.config.timeoutMs
        let clock = SystemClock()
        let started = clock.nowNanoseconds()
        // Progress moves the deadline to (last progress + timeout), never past started + maxTotalTimeout.
        let timeout = UInt64(effective) * 1_000_000
        let hardLimit = started + max(UInt64(entry.config.maxTotalTimeoutMs) * 1_000_000, timeout)
        let call = BlockingCall(started: started, timeout: timeout, hardLimit: hardLimit)
        defer { JSONPassThrough.stash(call.passThrough) }  // handed over as the call returns: nothing runs in between
        func deadline() -> UInt64 { call.deadline() }
        // While this thread is blocked anyway, a transport may do the exchange right here (HTTP does).
        BlockingCall.run(call) {
            request(route, method: method, params: params, timeoutMs: effective, schedulerTimeout: false, requestID: requestID,
                onProgress: { call.progressed(at: clock.nowNanoseconds()) }, resumeTask: resumeTask, payload: payload,
                retryingExpiredSession: false, passesOn: passesOn) { waiter.resolve($0) }
        }
        if !waiter.isResolved, let rpc = entry.existingSlot(route.key)?.connectedSession?.rpc, rpc.inFlightCount <= 1 {
            // The only call in flight reads its own reply on this thread (one wake-up less). With more in flight
            // the I/O thread reads them in batches, which serves concurrent callers better.
            _ = rpc.transport.readWhileWaiting(untilNanoseconds: hardLimit) { waiter.isResolved || clock.nowNanoseconds() >= deadline() }
        }
        while true {
            let now = clock.nowNanoseconds()
            let until = deadline()
            if let result = waiter.wait(timeoutNanoseconds: until > now ? until - now : 0) { return result }
            if clock.nowNanoseconds() >= deadline() { break }
        }
        let elapsed = (SystemClock().nowNanoseconds() - started) / 1_000_000
        let expired = MCPError(.timeout, "\(label() ?? method) timed out after \(elapsed) ms",
            details: ["server": .string(server), "method": .string(method), "timeout_ms": .int(Int64(effective))])
        try? cancel(requestID: requestID, error: expired)
        // The cancellation resolves the waiter unless the reply won the race; either way it is settled now.
        return waiter.wait(timeoutNanoseconds: nil) ?? .failure(expired)
    }

    public func blocking(_ operation: (@escaping Completion) -> Void) -> Result<JSONValue, MCPError> {
        let waiter = Waiter<Result<JSONValue, MCPError>>()
        operation { waiter.resolve($0) }
        return waiter.wait(timeoutNanoseconds: nil) ?? .failure(MCPError(.generic, "operation did not complete"))
    }

    // MARK: async submit

    /// Starts `request` (`{"op": …}`) and returns its id; the outcome arrives as a `result` or `error` event.
    public func submit(_ request: JSONValue, as caller: CallContext = .host) throws(MCPError) -> UInt64 {
        try checkOpen()
        guard case .object(let object) = request else { throw MCPError.invalid("request must be a JSON object") }
        try PayloadVersion.check(object)
        guard let op = object["op"]?.stringValue else { throw MCPError.invalid("missing string field 'op'", details: ["path": "op"]) }
        guard let server = object["server"]?.stringValue else { throw MCPError.invalid("missing string field 'server'", details: ["path": "server"]) }
        let requestID = allocateRequestID()
        let deliver: Completion = { [weak self] result in
            var event: JSONObject = ["version": 1, "request_id": .int(Int64(requestID)), "op": .string(op), "server": .string(server)]
            if let user = caller.user { event["user"] = .string(user) }
            switch result {
            case .success(let payload): event["kind"] = "result"; event["result"] = payload
            case .failure(let error): event["kind"] = "error"; event["error"] = error.json
            }
            self?.events.push(.object(event), droppable: false)
        }
        func string(_ key: String) throws(MCPError) -> String {
            guard let value = object[key]?.stringValue else { throw MCPError.invalid("missing string field '\(key)'", details: ["path": .string(key)]) }
            return value
        }
        func jsonObject(_ key: String) throws(MCPError) -> JSONObject {
            guard let value = object[key] else { return [:] }
            guard case .object(let fields) = value else { throw MCPError.invalid("'\(key)' must be an object", details: ["path": .string(key)]) }
            return fields
        }
        var timeoutMs = 0
        if let timeout = object["timeout_ms"] {
            guard let value = timeout.int64Value, value >= 0, value <= Int64(Int32.max) else {
                throw MCPError.invalid("'timeout_ms' must be a non-negative integer", details: ["path": "timeout_ms"])
            }
            timeoutMs = Int(value)
        }
        let kinds: [String: ClientSession.ListKind] = [
            "list_tools": .tools, "list_resources": .resources, "list_resource_templates": .resourceTemplates, "list_prompts": .prompts,
        ]
        switch op {
        case "connect":
            connect(server: server, as: caller, completion: deliver)
        case "disconnect":
            disconnect(server: server, as: caller) { result in deliver(result.map { ["version": 1, "server": .string(server)] }) }
        case _ where kinds[op] != nil:
            list(kinds[op] ?? .tools, server: server, as: caller, completion: deliver)
        case "call_tool":
            let tool = try string("tool")
            let arguments = JSONValue.object(try jsonObject("arguments"))
            if let refusal = approvalGate(server: server, tool: tool, arguments: arguments, approved: object["approved"]?.boolValue == true,
                requestID: requestID, as: caller) {
                deliver(.failure(refusal))
                return requestID
            }
            callTool(server: server, tool: tool, arguments: arguments, timeoutMs: timeoutMs, schedulerTimeout: true, requestID: requestID,
                as: caller, completion: deliver)
        case "read_resource":
            let uri = try string("uri")
            self.request(server: server, method: "resources/read", params: ["uri": .string(uri)], timeoutMs: timeoutMs, schedulerTimeout: true,
                requestID: requestID, as: caller, payload: Self.payload(server, "uri", uri), completion: deliver)
        case "get_prompt":
            let name = try string("name")
            self.request(server: server, method: "prompts/get", params: ["name": .string(name), "arguments": .object(try jsonObject("arguments"))],
                timeoutMs: timeoutMs, schedulerTimeout: true, requestID: requestID, as: caller, payload: Self.payload(server, "prompt", name), completion: deliver)
        case "subscribe", "unsubscribe":
            let uri = try string("uri")
            if op == "subscribe" { subscribe(server: server, uri: uri, as: caller, completion: deliver) } else { unsubscribe(server: server, uri: uri, as: caller, completion: deliver) }
        case "resume_task":
            let taskID = try string("task_id")
            self.request(server: server, method: "tools/call", params: [:], timeoutMs: timeoutMs, schedulerTimeout: true, requestID: requestID, as: caller,
                resumeTask: taskID, payload: Self.payload(server, "task_id", taskID), completion: deliver)
        case "complete":
            let params = try CompletionRequest.validate(try jsonObject("params"))
            self.request(server: server, method: "completion/complete", params: params, timeoutMs: timeoutMs, schedulerTimeout: true,
                requestID: requestID, as: caller, payload: Self.payload(server, "method", "completion/complete"), completion: deliver)
        case "request":
            let method = try string("method")
            self.request(server: server, method: method, params: try jsonObject("params"), timeoutMs: timeoutMs, schedulerTimeout: true,
                requestID: requestID, as: caller, payload: Self.payload(server, "method", method), completion: deliver)
        default:
            throw MCPError.invalid(
                "unknown op '\(op)' (expected connect, disconnect, list_tools, list_resources, list_resource_templates, list_prompts, "
                    + "call_tool, read_resource, get_prompt or request)", details: ["path": "op"])
        }
        return requestID
    }

    /// `{"version":1,"server":…,"<label>":…,"result":<result>}`: the shape of every single-request payload.
    public static func payload(_ server: String, _ label: String, _ value: String) -> @Sendable (JSONValue) -> JSONValue {
        { result in .object(["version": 1, "server": .string(server), .init(label): .string(value), "result": result]) }
    }

    // MARK: shutdown

    /// Disconnects every server (waiting for their processes), then wakes event waiters with `closed`.
    public func close() {
        guard !closed.exchange(true, ordering: .relaxed) else { return }
        let entries = servers.withLock { servers -> [ServerEntry] in
            defer { servers = [:] }
            return Array(servers.values)
        }
        let waiter = Waiter<Bool>()
        let remaining = Atomic<Int>(entries.count)
        if entries.isEmpty { waiter.resolve(true) }
        for entry in entries {
            disconnect(entry, entry.remove(), reason: nil) {
                if remaining.subtract(1, ordering: .relaxed).newValue == 0 { waiter.resolve(true) }
            }
        }
        _ = waiter.wait(timeoutNanoseconds: nil)
        // Bounded: a stdio server is SIGKILLed two grace periods after its stdin closed.
        _ = closingSessions.waitUntilClosed(timeoutNanoseconds: Self.closingSessionsWaitNanoseconds)
        httpEngineSlot.withLock { $0 }?.close()
        // After the HTTP engine: OAuth work in flight fails fast, and none outlives the host's store.
        oauthSlot.withLock { $0.engine }?.shutdown()
        events.close()
        loop.shutdown()
    }

    static let closingSessionsWaitNanoseconds: UInt64 = 30_000_000_000

    public var isClosed: Bool { closed.load(ordering: .relaxed) }

    public func checkOpen() throws(MCPError) {
        if closed.load(ordering: .relaxed) { throw MCPError.closed }
    }

    func unknownServer(_ name: String) -> MCPError {
        MCPError.notFound("no server named '\(name)'", details: ["server": .string(name)])
    }
}
