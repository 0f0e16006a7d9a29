import MCPClientConfig
public import MCPClientCore
public import MCPClientProtocol
import MCPClientOAuth
import MCPClientTransport
import Synchronization

/// Many servers for one host: registry, connections, calls, and the event queue. Every method is thread-safe.
/// Operations complete through callbacks on the I/O thread; the `…Blocking` forms are for host threads.
public final class Manager: @unchecked Sendable {
    public typealias Completion = @Sendable (Result<JSONValue, MCPError>) -> Void

    public let options: ManagerOptions
    public let events: EventQueue
    let loop: EventLoop
    private let servers = Locked<[String: ServerEntry]>([:])
    /// Era per stdio launch or HTTP origin (`eraKey`), so a config change re-probes.
    private let eraCache = Locked<[String: ProtocolEra]>([:])
    private let inFlight = Locked<[UInt64: InFlight]>([:])
    /// Server→client requests waiting for the host's answer (mcp_manager_respond), by request id.
    private let hostRequests = Locked<[UInt64: HostRequest]>([:])
    private let nextRequestID = Atomic<UInt64>(1)
    private let closed = Atomic<Bool>(false)
    private let logSink: EventLogSink
    private let httpEngineSlot = Locked<HTTPEngine?>(nil)
    /// `allowedDomains` / `allowedAddresses`: from the options, replaceable by a loaded config's `mcpSettings`.
    private let networkSettings: Locked<(domains: [String], addresses: [String])>
    /// The OAuth engine (made on first use) and a host-provided store to make it with.
    let oauthSlot = Locked<OAuthSlot>(OAuthSlot())

    struct OAuthSlot {
        var engine: OAuthEngine?
        var store: (any CredentialStore)?
    }

    var networkSettingsSnapshot: (domains: [String], addresses: [String]) { networkSettings.withLock { $0 } }

    func entry(_ name: String) -> ServerEntry? { servers.withLock { $0[name] } }

    private struct HostRequest {
        var server: String
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

    deinit {
        loop.shutdown()
    }

    // MARK: registry

    public func addServer(name: String, config json: JSONValue) throws(MCPError) {
        try checkOpen()
        guard case .object(let template) = json else { _ = try ServerConfig.parse(name: name, json: json); return }
        // Checked now with the parse-time references expanded (a URL from ${VAR}), so mistakes surface here.
        // The same tier `resolve` will use: a config cannot claim more trust than the host gave it.
        let claimed = template["source"]?["tier"]?.stringValue.flatMap(TrustTier.init(name:))
        let tier = try TrustTier.effective(host: options.substitution.tier, server: claimed)
        let prepared = try ConfigResolver.prepare(server: template, tier: tier, environment: options.substitution.environment,
            options: .init(allowOBO: options.substitution.allowOBO))
        let config = try ServerConfig.parse(name: name, json: .object(prepared.server))
        let added = servers.withLock { servers -> Bool in
            guard servers[name] == nil else { return false }
            servers[name] = ServerEntry(config: config, template: template)
            return true
        }
        guard added else { throw MCPError(.conflict, "a server named '\(name)' already exists", details: ["server": .string(name)]) }
    }

    public func removeServer(name: String, completion: @escaping @Sendable (Result<Void, MCPError>) -> Void) {
        guard let entry = servers.withLock({ $0.removeValue(forKey: name) }) else {
            completion(.failure(unknownServer(name)))
            return
        }
        entry.state.withLock { $0.removed = true }
        disconnect(entry) { completion(.success(())) }
    }

    public var serverNames: [String] { servers.withLock { Array($0.keys).sorted() } }

    public func status(server name: String) throws(MCPError) -> JSONValue {
        guard let entry = servers.withLock({ $0[name] }) else { throw unknownServer(name) }
        return entry.state.withLock { state in
            var object: JSONObject = ["version": 1, "server": .string(name), "status": .string(state.status.rawValue)]
            if case .connected(let session, _) = state.connection, let description = session.server {
                object["era"] = .string(description.era.rawValue)
                object["protocolVersion"] = .string(description.protocolVersion)
            }
            if let error = state.lastError {
                object["lastError"] = error.json
                if let authURL = error.details["authUrl"] { object["authUrl"] = authURL }
            }
            object["requiresOAuth"] = .bool(state.authorizer != nil)
            return .object(object)
        }
    }

    // MARK: connections

    /// A connected session and the configuration it was made from (one registry lookup per operation).
    private typealias Connected = (session: ClientSession, config: ServerConfig)

    /// Connects (or joins a connect already under way) and yields the session.
    private func session(for name: String, completion done: @escaping @Sendable (Result<Connected, MCPError>) -> Void) {
        if closed.load(ordering: .relaxed) { done(.failure(.closed)); return }
        guard let entry = servers.withLock({ $0[name] }) else { done(.failure(unknownServer(name))); return }
        let config = entry.config
        let completion: @Sendable (Result<ClientSession, MCPError>) -> Void = { done($0.map { ($0, config) }) }
        enum Next { case ready(ClientSession), joined, start(ClientSession, Int), failed(MCPError) }
        let next = entry.state.withLock { state -> Next in
            switch state.connection {
            case .connected(let session, _): return .ready(session)
            case .connecting(let session, let generation, let waiters):
                state.connection = .connecting(session: session, generation: generation, waiters: waiters + [completion])
                return .joined
            case .idle:
                if state.removed { return .failed(unknownServer(name)) }
                do {
                    let (session, authorizer) = try makeSession(entry)
                    state.authorizer?.close()
                    state.authorizer = authorizer
                    state.generation += 1
                    state.connection = .connecting(session: session, generation: state.generation, waiters: [completion])
                    state.status = .connecting
                    return .start(session, state.generation)
                } catch {
                    let failure = MCPError(error)
                    state.status = .error
                    state.lastError = failure
                    return .failed(failure)
                }
            }
        }
        switch next {
        case .ready(let session): completion(.success(session))
        case .joined: break
        case .failed(let error):
            emitStatus(name, .error, error)
            completion(.failure(error))
        case .start(let session, let generation):
            emitStatus(name, .connecting, nil)
            startConnect(entry, session: session, generation: generation)
        }
    }

    /// The server's configuration for a new connection: every reference resolved from the manager's substitution
    /// context (the process environment by default). A server whose config needs a user's or a request's values
    /// cannot be resolved for a shared connection; servers that are per user only by policy (user-created,
    /// `startup: false`) connect here until per-user connections exist.
    func connectionConfig(_ entry: ServerEntry) throws(MCPError) -> ServerConfig {
        guard entry.config.enabled else {
            throw MCPError(.unsupported, "server '\(entry.config.name)' is disabled (enabled: false)", details: ["server": .string(entry.config.name), "reason": "disabled"])
        }
        let resolved = try ConfigResolver.resolve(server: entry.template, context: options.substitution)
        let name = entry.config.name
        guard !resolved.scope.needsUserValues else {
            throw MCPError(.unsupported, "server '\(name)' needs a per-user connection (\(resolved.scope.reason)); a shared connection cannot resolve it",
                details: ["server": .string(name), "scope": .string(resolved.scope.scope.rawValue), "reason": .string(resolved.scope.reason)])
        }
        return try ServerConfig.parse(name: name, json: .object(resolved.server))
    }

    private func makeSession(_ entry: ServerEntry) throws(MCPError) -> (ClientSession, ServerAuthorizer?) {
        let config = try connectionConfig(entry)
        let authorizer = try makeAuthorizer(config)
        let transport: any MessageTransport
        switch config.transport {
        case .stdio(let stdio):
            let stderr: StdioLaunch.StderrMode = switch stdio.stderr {
            case .log: .log
            case .inherit: .inherit
            case .discard: .discard
            case .file(let path): .file(path)
            }
            let launch = StdioLaunch(
                command: stdio.command, arguments: stdio.args, environment: StdioLaunch.environment(configured: stdio.env),
                workingDirectory: stdio.cwd, stderr: stderr, maxMessageBytes: stdio.maxMessageBytes,
                shutdownGraceNanoseconds: UInt64(stdio.shutdownGraceMs) * 1_000_000)
            transport = StdioTransport(launch: launch, loop: loop, logSink: logSink, serverName: config.name)
        case .remote(let remote):
            var options = StreamableHTTPTransport.Options(url: remote.url)
            options.headers = remote.headers.sorted { $0.key < $1.key }.map { (name: $0.key, value: $0.value) }
            options.connectTimeoutMs = config.initTimeoutMs
            options.readTimeoutMs = remote.sseReadTimeoutMs
            options.maxResponseBytes = remote.maxResponseBytes
            options.tls = TLSOptions(caFile: remote.caFile, clientCertificate: remote.clientCertificate, clientKey: remote.clientKey)
            options.proxy = remote.proxy
            options.resolve = self.options.resolve
            let network = networkSettings.withLock { $0 }
            options.policy = NetworkPolicy(
                trusted: remote.trusted, allowedDomains: network.domains, allowedAddresses: network.addresses)
            options.allowsSSEFallback = remote.typeInferred
            options.authorizer = authorizer
            let engine = try httpEngine()
            transport = switch remote.type {
            case "sse": SSETransport(options: options, engine: engine)
            case "websocket", "ws": WebSocketTransport(options: options, engine: engine)
            default: StreamableHTTPTransport(options: options, engine: engine)
            }
        }
        let rpc = RPCSession(transport: transport, scheduler: loop, logSink: logSink, serverName: config.name)
        var clientOptions = options.clientOptions
        let http = transport as? StreamableHTTPTransport
        clientOptions.mirrorsParameterHeaders = http != nil
        clientOptions.eraPreference = switch config.era {
        case .auto:
            // HTTP+SSE is the 2024-11-05 transport: its servers are handshake-era by definition.
            if case .remote(let remote) = config.transport, remote.type == "sse" { .legacy } else { .auto }
        case .modern: .modern
        case .legacy: .legacy
        }
        let session = ClientSession(rpc: rpc, options: clientOptions)
        http?.setHeaderProvider { [weak session] method, params in session?.parameterHeaders(method: method, params: params) ?? [] }
        return (session, authorizer)
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

    /// A stdio server's era belongs to its launch; a remote one's to its HTTP origin, as the spec caches it (servers
    /// behind one gateway share it). A cached guess that proves wrong is re-probed by the session.
    private func eraKey(_ config: ServerConfig) -> String {
        switch config.transport {
        case .stdio(let stdio):
            return ([config.name, stdio.command, stdio.cwd ?? ""] + stdio.args).joined(separator: "\u{0}")
        case .remote(let remote):
            guard let url = try? ParsedURL(remote.url) else { return remote.url }
            return url.scheme + "://" + url.host + ":" + String(url.effectivePort)
        }
    }

    private func startConnect(_ entry: ServerEntry, session: ClientSession, generation: Int) {
        let name = entry.config.name
        let key = eraKey(entry.config)
        session.setHandlers(
            request: { [weak self] method, params, reply in self?.serverRequest(name, method, params, reply) },
            notification: { [weak self] method, params in self?.serverNotification(name, method, params) },
            close: { [weak self, weak entry] error in
                guard let self, let entry else { return }
                self.connectionLost(entry, generation: generation, error: error)
            })
        session.setSubscriptionEndHandler { [weak self] error in
            // A closed transport is reported by status events; only the server ending or refusing the stream is news here.
            guard error == nil || error?.source == .peer else { return }
            self?.emitSubscription(name, filter: nil, result: error.map { .failure($0) } ?? .success(SubscriptionFilter()), ended: true)
        }
        session.setInputHandler { [weak self] requests, completion in
            guard let self else { completion(.failure(.closed)); return }
            self.askHost(name, requests, completion)
        }
        guard let authorizer = entry.state.withLock({ $0.authorizer }), let engine = oauthSlot.withLock({ $0.engine }) else {
            openSession(entry, session: session, generation: generation, key: key)
            return
        }
        // Off the I/O thread and every lock: the stored tokens are read (a host store may be slow), and a server whose
        // config declares OAuth gets its sign-in started before any request (some accept an unauthenticated
        // initialize, oauth.md §6.11); client-credentials tokens are fetched first.
        let declared = OAuthServerSettings.isDeclared(entry.config)
        let started = engine.runDetached { [weak self] in
            guard let self else { return }
            authorizer.reload()
            do throws(MCPError) {
                if authorizer.needsTokensFirst(declared: declared) { try authorizer.prepare() }
                self.loop.execute { self.openSession(entry, session: session, generation: generation, key: key) }
            } catch {
                self.finishConnect(entry, session: session, generation: generation, .failure(error))
            }
        }
        if !started { finishConnect(entry, session: session, generation: generation, .failure(.closed)) }
    }

    private func openSession(_ entry: ServerEntry, session: ClientSession, generation: Int, key: String) {
        let knownEra = eraCache.withLock { $0[key] }
        session.connect(knownEra: knownEra, timeoutNanoseconds: UInt64(entry.config.initTimeoutMs) * 1_000_000) { [weak self] result in
            guard let self else { return }
            guard case .success(let description) = result else {
                self.finishConnect(entry, session: session, generation: generation, result)
                return
            }
            self.eraCache.withLock { $0[key] = description.era }
            // Subscriptions are in place (acknowledged) before anyone can use the connection, so no change made
            // through it can be missed. A server that does not acknowledge within a short bound gets a `failed`
            // subscription event instead of holding the connect up; the connection is usable anyway.
            let ackTimeout = min(entry.config.initTimeoutMs, Self.subscriptionAckOnConnectMs)
            self.applySubscriptions(entry, session, timeoutMs: ackTimeout) { [weak self] _ in
                self?.finishConnect(entry, session: session, generation: generation, result)
            }
        }
    }

    private func finishConnect(_ entry: ServerEntry, session: ClientSession, generation: Int, _ result: Result<ServerDescription, MCPError>) {
        let waiters = entry.state.withLock { state -> [@Sendable (Result<ClientSession, MCPError>) -> Void] in
            guard case .connecting(_, let current, let waiters) = state.connection, current == generation else { return [] }
            switch result {
            case .success:
                state.connection = .connected(session: session, generation: generation)
                state.status = .connected
                state.lastError = nil
            case .failure(let error):
                state.connection = .idle
                state.status = .error
                state.lastError = error
            }
            return waiters
        }
        switch result {
        case .success:
            emitStatus(entry.config.name, .connected, nil)
            for waiter in waiters { waiter(.success(session)) }
        case .failure(let error):
            emitStatus(entry.config.name, .error, error)
            session.close {}
            for waiter in waiters { waiter(.failure(error)) }
        }
    }

    /// The transport died (crash, EOF) or was closed. In-flight requests already failed in the RPC layer.
    private func connectionLost(_ entry: ServerEntry, generation: Int, error: MCPError?) {
        let changed = entry.state.withLock { state -> Bool in
            switch state.connection {
            case .connected(_, let current) where current == generation: break
            default: return false
            }
            state.connection = .idle
            state.status = error == nil ? .disconnected : .error
            state.lastError = error
            return true
        }
        dropHostRequests(server: entry.config.name)
        guard changed else { return }
        emitStatus(entry.config.name, error == nil ? .disconnected : .error, error)
        // Subscriptions live only as long as a connection: a server that died is restarted so they are re-sent.
        let reconnect = error != nil && entry.state.withLock { state in
            guard !state.removed, !state.resourceSubscriptions.isEmpty, state.automaticReconnects < Self.maxAutomaticReconnects else { return false }
            state.automaticReconnects += 1
            return true
        }
        if reconnect { session(for: entry.config.name) { _ in } }
    }

    static let maxAutomaticReconnects = 5
    static let subscriptionAckOnConnectMs = 2_000

    public func connect(server name: String, completion: @escaping Completion) {
        session(for: name) { result in
            completion(result.map { connected in
                var object: JSONObject = ["version": 1, "server": .string(name)]
                for (key, value) in connected.session.server?.json ?? [:] { object[key] = value }
                return .object(object)
            })
        }
    }

    public func disconnect(server name: String, completion: @escaping @Sendable (Result<Void, MCPError>) -> Void) {
        guard let entry = servers.withLock({ $0[name] }) else { completion(.failure(unknownServer(name))); return }
        disconnect(entry) { completion(.success(())) }
    }

    /// Closes the connection and waits until the server process is gone.
    func disconnect(_ entry: ServerEntry, completion: @escaping @Sendable () -> Void) {
        let (session, waiters) = entry.state.withLock { state -> (ClientSession?, [@Sendable (Result<ClientSession, MCPError>) -> Void]) in
            defer {
                // No renewals for a connection nobody uses; the next connect makes a new authorizer.
                state.authorizer?.close()
                state.authorizer = nil
                state.connection = .idle
                if state.status != .disconnected { state.status = .disconnected }
            }
            switch state.connection {
            case .idle: return (nil, [])
            case .connecting(let session, _, let waiters): return (session, waiters)
            case .connected(let session, _): return (session, [])
            }
        }
        guard let session else { completion(); return }
        let error = MCPError(.cancelled, "disconnected while connecting")
        for waiter in waiters { waiter(.failure(error)) }
        emitStatus(entry.config.name, .disconnected, nil)
        session.close(completion: completion)
    }

    // MARK: operations

    /// Every item of one of the list methods: `{"version":1,"server":…,"<key>":[…]}`.
    public func list(_ kind: ClientSession.ListKind, server name: String, completion: @escaping Completion) {
        session(for: name) { result in
            switch result {
            case .failure(let error): completion(.failure(error))
            case .success(let connected):
                let maxTotal = connected.config.maxTotalTimeoutMs > 0 ? UInt64(connected.config.maxTotalTimeoutMs) * 1_000_000 : nil
                connected.session.list(kind, timeoutNanoseconds: UInt64(connected.config.timeoutMs) * 1_000_000, maxTotalNanoseconds: maxTotal) {
                    result in
                    completion(result.map { ["version": 1, "server": .string(name), .init(kind.key): .array($0)] })
                }
            }
        }
    }

    /// Calls a tool: `{"version":1,"server","tool","result":{…}}`.
    public func callTool(
        server name: String, tool: String, arguments: JSONValue, timeoutMs: Int, schedulerTimeout: Bool, requestID: UInt64,
        completion: @escaping Completion
    ) {
        request(server: name, method: "tools/call", params: ["name": .string(tool), "arguments": arguments], timeoutMs: timeoutMs,
            schedulerTimeout: schedulerTimeout, requestID: requestID,
            payload: { ["version": 1, "server": .string(name), "tool": .string(tool), "result": $0] }, completion: completion)
    }

    /// Any MCP method, sent with the server era's envelope (and MRTR for tools/call, resources/read, prompts/get).
    /// With `schedulerTimeout` the I/O loop enforces the timeout (async form); otherwise the blocking caller's own
    /// timed wait does, which keeps timer bookkeeping off the loop for the hot path. `payload` wraps the result.
    public func request(
        server name: String, method: String, params: JSONObject, timeoutMs: Int, schedulerTimeout: Bool, requestID: UInt64,
        onProgress: (@Sendable () -> Void)? = nil, resumeTask: String? = nil, payload: @escaping @Sendable (JSONValue) -> JSONValue,
        retryingExpiredSession: Bool = false, completion original: @escaping Completion
    ) {
        // A handshake-era HTTP session the server forgot (404) is re-initialized by the next connect; the request
        // that found out is sent once more on the new session, so the host never sees the expiry.
        let completion: Completion = { [weak self] result in
            guard let self, !retryingExpiredSession, case .failure(let error) = result, error.details["reason"] == "session_expired" else {
                original(result)
                return
            }
            self.request(server: name, method: method, params: params, timeoutMs: timeoutMs, schedulerTimeout: schedulerTimeout,
                requestID: requestID, onProgress: onProgress, resumeTask: resumeTask, payload: payload, retryingExpiredSession: true,
                completion: original)
        }
        beginInFlight(requestID)
        session(for: name) { [weak self] result in
            guard let self else { return }
            switch result {
            case .failure(let error):
                self.endInFlight(requestID)
                completion(.failure(error))
            case .success(let connected):
                let timeout = schedulerTimeout ? UInt64(timeoutMs > 0 ? timeoutMs : connected.config.timeoutMs) * 1_000_000 : nil
                self.send(connected, server: name, method: method, params: params, timeoutNanoseconds: timeout, requestID: requestID,
                    onProgress: onProgress, resumeTask: resumeTask, payload: payload, completion: completion)
            }
        }
    }

    private func send(
        _ connected: Connected, server name: String, method: String, params: JSONObject, timeoutNanoseconds: UInt64?, requestID: UInt64,
        onProgress: (@Sendable () -> Void)?, resumeTask: String?, payload: @escaping @Sendable (JSONValue) -> JSONValue,
        completion: @escaping Completion
    ) {
        // A progress token is sent when the host wants progress events or progress may extend the timeout.
        let session = connected.session
        let maxTotalMs = connected.config.maxTotalTimeoutMs
        var progress: RPCSession.ProgressHandler?
        if ClientSession.multiRoundMethods.contains(method), options.progressEvents || maxTotalMs > 0 {
            let emit = options.progressEvents
            progress = { [weak self] params in
                onProgress?()
                if emit { self?.emitProgress(name, requestID: requestID, params) }
            }
        }
        // The total limit is never shorter than the timeout itself.
        let maxTotal = timeoutNanoseconds.flatMap { maxTotalMs > 0 ? max(UInt64(maxTotalMs) * 1_000_000, $0) : nil }
        let done: RPCSession.Completion = { [weak self] result in
            self?.endInFlight(requestID)
            completion(result.map(payload))
        }
        if let cancelled = inFlight.withLock({ $0[requestID]?.cancelled }) {
            done(.failure(cancelled))
            return
        }
        // Asynchronous calls (they carry a loop-enforced timeout), and any call made while others are in flight,
        // are written in batches by the I/O thread; a lone blocking call writes at once.
        let batched = timeoutNanoseconds != nil || session.rpc.inFlightCount > 0
        let taskUpdate: ClientSession.TaskUpdateHandler = { [weak self] task in
            onProgress?()  // a task reporting its state is alive, like a call reporting progress
            self?.emitTask(name, requestID: requestID, task)
        }
        let handle = if let resumeTask {
            session.resumeTask(resumeTask, timeoutNanoseconds: timeoutNanoseconds, maxTotalNanoseconds: maxTotal, taskUpdate: taskUpdate,
                completion: done)
        } else {
            session.request(
                method: method, params: params, timeoutNanoseconds: timeoutNanoseconds, maxTotalNanoseconds: maxTotal, progress: progress,
                batched: batched, taskUpdate: taskUpdate, completion: done)
        }
        // A cancellation that raced with sending is applied now.
        if let cancelled = attachInFlight(requestID, handle: handle) { handle.cancel(cancelled) }
    }

    /// Sends a notification (e.g. `notifications/roots/list_changed` after the host's roots changed), connecting first.
    public func notify(server name: String, method: String, params: JSONObject?, completion: @escaping Completion) {
        session(for: name) { result in
            completion(result.map { connected in
                connected.session.rpc.notify(method: method, params: params)
                return ["version": 1, "server": .string(name), "method": .string(method)]
            })
        }
    }

    // MARK: subscriptions

    /// Subscribes to updates of one resource (`resource_updated` events). Completes once the server acknowledged it;
    /// a server that does not grant it gives MCP_ERR_UNSUPPORTED. The subscription survives reconnects.
    public func subscribe(server name: String, uri: String, completion: @escaping Completion) {
        changeSubscription(server: name, uri: uri, subscribe: true, completion: completion)
    }

    public func unsubscribe(server name: String, uri: String, completion: @escaping Completion) {
        changeSubscription(server: name, uri: uri, subscribe: false, completion: completion)
    }

    private func changeSubscription(server name: String, uri: String, subscribe: Bool, completion: @escaping Completion) {
        guard let entry = servers.withLock({ $0[name] }) else { completion(.failure(unknownServer(name))); return }
        let payload: JSONValue = ["version": 1, "server": .string(name), "uri": .string(uri), "subscribed": .bool(subscribe)]
        let changed = entry.state.withLock { state in
            if subscribe { state.automaticReconnects = 0 }
            return subscribe ? state.resourceSubscriptions.insert(uri).inserted : state.resourceSubscriptions.remove(uri) != nil
        }
        // Unsubscribing needs no connection: there is nothing to tell a server that is not running.
        if !subscribe, !changed || entry.connectedSession == nil { completion(.success(payload)); return }
        session(for: name) { [weak self] result in
            guard let self else { return }
            switch result {
            case .failure(let error):
                if subscribe { entry.state.withLock { _ = $0.resourceSubscriptions.remove(uri) } }
                completion(.failure(error))
            case .success(let connected):
                self.applySubscriptions(entry, connected.session) { result in
                    switch result {
                    case .success(let granted) where !subscribe || granted.resourceURIs.contains(uri):
                        completion(.success(payload))
                    case .success:
                        entry.state.withLock { _ = $0.resourceSubscriptions.remove(uri) }
                        completion(.failure(MCPError(.unsupported, "the server did not grant a subscription to '\(uri)'", source: .peer,
                            details: ["server": .string(name), "uri": .string(uri)])))
                    case .failure(let error):
                        if subscribe { entry.state.withLock { _ = $0.resourceSubscriptions.remove(uri) } }
                        completion(.failure(error))
                    }
                }
            }
        }
    }

    /// Sends the connection everything it should listen to: list changes the server announces (when the host wants
    /// them) and the host's resource subscriptions. Emits a `subscription` event with what was granted.
    private func applySubscriptions(
        _ entry: ServerEntry, _ session: ClientSession, timeoutMs: Int? = nil, completion: @escaping @Sendable (Result<SubscriptionFilter, MCPError>) -> Void
    ) {
        let capabilities = session.server?.capabilities ?? [:]
        func listChanges(_ kind: String) -> Bool { options.listChanges && capabilities[kind]?["listChanged"]?.boolValue == true }
        let filter = SubscriptionFilter(
            toolsListChanged: listChanges("tools"), promptsListChanged: listChanges("prompts"), resourcesListChanged: listChanges("resources"),
            resourceURIs: entry.state.withLock { $0.resourceSubscriptions })
        let name = entry.config.name
        guard !filter.isEmpty || session.hasSubscriptions else { completion(.success(filter)); return }
        session.subscribe(filter, timeoutNanoseconds: UInt64(timeoutMs ?? entry.config.timeoutMs) * 1_000_000) { [weak self] result in
            self?.emitSubscription(name, filter: filter, result: result, ended: false)
            completion(result)
        }
    }

    private func emitSubscription(_ server: String, filter: SubscriptionFilter?, result: Result<SubscriptionFilter, MCPError>, ended: Bool) {
        var event: JSONObject = ["version": 1, "kind": "subscription", "server": .string(server)]
        switch result {
        case .failure(let error):
            event["status"] = ended ? "ended" : "failed"
            event["error"] = error.json
        case .success(let granted):
            event["status"] = ended ? "ended" : "active"
            if let filter {
                event["requested"] = .object(filter.wire)
                event["granted"] = .object(granted.wire)
                let missing = filter.subtracting(granted)
                if !missing.isEmpty { event["missing"] = .object(missing.wire) }
            }
        }
        events.push(.object(event), droppable: false)
    }

    public func allocateRequestID() -> UInt64 { nextRequestID.wrappingAdd(1, ordering: .relaxed).oldValue }

    // MARK: cancellation

    private func beginInFlight(_ id: UInt64) { inFlight.withLock { $0[id] = InFlight() } }
    private func endInFlight(_ id: UInt64) { _ = inFlight.withLock { $0.removeValue(forKey: id) } }

    /// Records the request's handle; returns a cancellation that arrived while it was being sent.
    private func attachInFlight(_ id: UInt64, handle: RequestHandle) -> MCPError? {
        inFlight.withLock { table in
            table[id]?.handle = handle
            return table[id]?.cancelled
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

    public func callToolBlocking(server: String, tool: String, arguments: JSONValue, timeoutMs: Int) -> Result<JSONValue, MCPError> {
        requestBlocking(server: server, method: "tools/call", params: ["name": .string(tool), "arguments": arguments], timeoutMs: timeoutMs,
            label: "tools/call \(tool)") { ["version": 1, "server": .string(server), "tool": .string(tool), "result": $0] }
    }

    /// Any method, blocking, with the call's timeout enforced on this thread (see `request`).
    public func requestBlocking(
        server: String, method: String, params: JSONObject, timeoutMs: Int, label: String? = nil, resumeTask: String? = nil,
        payload: @escaping @Sendable (JSONValue) -> JSONValue
    ) -> Result<JSONValue, MCPError> {
        let entry = servers.withLock { $0[server] }
        // Connecting has its own budget (initTimeout); the call's timeout starts when the request goes out.
        if let entry, entry.connectedSession == nil, case .failure(let error) = blocking({ connect(server: server, completion: $0) }) {
            return .failure(error)
        }
        let waiter = Waiter<Result<JSONValue, MCPError>>()
        let requestID = allocateRequestID()
        let effective = timeoutMs > 0 ? timeoutMs : entry?.config.timeoutMs ?? ServerConfig.defaultTimeoutMs
        let clock = SystemClock()
        let started = clock.nowNanoseconds()
        // Progress moves the deadline to (last progress + timeout), never past started + maxTotalTimeout.
        let lastProgress = Atomic<UInt64>(started)
        let timeout = UInt64(effective) * 1_000_000
        let hardLimit = started + max(UInt64(entry?.config.maxTotalTimeoutMs ?? 0) * 1_000_000, timeout)
        let deadline: @Sendable () -> UInt64 = { min(lastProgress.load(ordering: .relaxed) + timeout, hardLimit) }
        // While this thread is blocked anyway, a transport may do the exchange right here (HTTP does).
        BlockingCall.run(BlockingCall(deadline: deadline)) {
            request(server: server, method: method, params: params, timeoutMs: effective, schedulerTimeout: false, requestID: requestID,
                onProgress: { lastProgress.store(clock.nowNanoseconds(), ordering: .relaxed) }, resumeTask: resumeTask, payload: payload) {
                waiter.resolve($0)
            }
        }
        if !waiter.isResolved, let rpc = entry?.connectedSession?.rpc, rpc.inFlightCount <= 1 {
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
        let expired = MCPError(.timeout, "\(label ?? method) timed out after \(elapsed) ms",
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
    public func submit(_ request: JSONValue) throws(MCPError) -> UInt64 {
        try checkOpen()
        guard case .object(let object) = request else { throw MCPError.invalid("request must be a JSON object") }
        try PayloadVersion.check(object)
        guard let op = object["op"]?.stringValue else { throw MCPError.invalid("missing string field 'op'", details: ["path": "op"]) }
        guard let server = object["server"]?.stringValue else { throw MCPError.invalid("missing string field 'server'", details: ["path": "server"]) }
        let requestID = allocateRequestID()
        let deliver: Completion = { [weak self] result in
            var event: JSONObject = ["version": 1, "request_id": .int(Int64(requestID)), "op": .string(op), "server": .string(server)]
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
            connect(server: server, completion: deliver)
        case "disconnect":
            disconnect(server: server) { result in deliver(result.map { ["version": 1, "server": .string(server)] }) }
        case _ where kinds[op] != nil:
            list(kinds[op] ?? .tools, server: server, completion: deliver)
        case "call_tool":
            callTool(server: server, tool: try string("tool"), arguments: .object(try jsonObject("arguments")), timeoutMs: timeoutMs,
                schedulerTimeout: true, requestID: requestID, completion: deliver)
        case "read_resource":
            let uri = try string("uri")
            self.request(server: server, method: "resources/read", params: ["uri": .string(uri)], timeoutMs: timeoutMs, schedulerTimeout: true,
                requestID: requestID, payload: Self.payload(server, "uri", uri), completion: deliver)
        case "get_prompt":
            let name = try string("name")
            self.request(server: server, method: "prompts/get", params: ["name": .string(name), "arguments": .object(try jsonObject("arguments"))],
                timeoutMs: timeoutMs, schedulerTimeout: true, requestID: requestID, payload: Self.payload(server, "prompt", name), completion: deliver)
        case "subscribe", "unsubscribe":
            let uri = try string("uri")
            if op == "subscribe" { subscribe(server: server, uri: uri, completion: deliver) } else { unsubscribe(server: server, uri: uri, completion: deliver) }
        case "resume_task":
            let taskID = try string("task_id")
            self.request(server: server, method: "tools/call", params: [:], timeoutMs: timeoutMs, schedulerTimeout: true, requestID: requestID,
                resumeTask: taskID, payload: Self.payload(server, "task_id", taskID), completion: deliver)
        case "complete":
            let params = try CompletionRequest.validate(try jsonObject("params"))
            self.request(server: server, method: "completion/complete", params: params, timeoutMs: timeoutMs, schedulerTimeout: true,
                requestID: requestID, payload: Self.payload(server, "method", "completion/complete"), completion: deliver)
        case "request":
            let method = try string("method")
            self.request(server: server, method: method, params: try jsonObject("params"), timeoutMs: timeoutMs, schedulerTimeout: true,
                requestID: requestID, payload: Self.payload(server, "method", method), completion: deliver)
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
            entry.state.withLock { $0.removed = true }
            disconnect(entry) {
                if remaining.subtract(1, ordering: .relaxed).newValue == 0 { waiter.resolve(true) }
            }
        }
        _ = waiter.wait(timeoutNanoseconds: nil)
        httpEngineSlot.withLock { $0 }?.close()
        // After the HTTP engine: OAuth work in flight fails fast, and none outlives the host's store.
        oauthSlot.withLock { $0.engine }?.shutdown()
        events.close()
        loop.shutdown()
    }

    public var isClosed: Bool { closed.load(ordering: .relaxed) }

    private func checkOpen() throws(MCPError) {
        if closed.load(ordering: .relaxed) { throw MCPError.closed }
    }

    func unknownServer(_ name: String) -> MCPError {
        MCPError.notFound("no server named '\(name)'", details: ["server": .string(name)])
    }

    // MARK: events

    private func emitStatus(_ server: String, _ status: ServerEntry.Status, _ error: MCPError?) {
        var event: JSONObject = ["version": 1, "kind": "status", "server": .string(server), "status": .string(status.rawValue)]
        if let error { event["error"] = error.json }
        // Status changes are rare and hosts track state from them: never dropped.
        events.push(.object(event), droppable: false)
    }

    private func emitTask(_ server: String, requestID: UInt64, _ task: JSONObject) {
        var event: JSONObject = ["version": 1, "kind": "task", "server": .string(server), "request_id": .int(Int64(requestID))]
        for (key, value) in task { event[key] = value }
        // Hosts persist task ids from these to resume after a restart: never dropped.
        events.push(.object(event), droppable: false)
    }

    private func emitProgress(_ server: String, requestID: UInt64, _ params: JSONObject) {
        var event: JSONObject = ["version": 1, "kind": "progress", "server": .string(server), "request_id": .int(Int64(requestID))]
        for key in ["progress", "total", "message"] { if let value = params[key] { event[key] = value } }
        events.push(.object(event), droppable: true)
    }

    private func serverNotification(_ server: String, _ method: String, _ params: JSONValue?) {
        var event: JSONObject = ["version": 1, "server": .string(server)]
        switch method {
        case "notifications/tools/list_changed", "notifications/prompts/list_changed", "notifications/resources/list_changed":
            // The same event in both eras, whether it came over a listen stream or the handshake-era session.
            event["kind"] = "list_changed"
            event["list"] = .string(String(method.dropFirst("notifications/".count).prefix { $0 != "/" }))
            events.push(.object(event), droppable: true)
            return
        case "notifications/resources/updated":
            event["kind"] = "resource_updated"
            event["uri"] = params?["uri"] ?? .null
            events.push(.object(event), droppable: true)
            return
        case "notifications/elicitation/complete":
            // The host may close the consent UI it showed for this URL.
            event["kind"] = "elicitation_complete"
            event["elicitationId"] = params?["elicitationId"] ?? .null
            events.push(.object(event), droppable: true)
            return
        default: break
        }
        if method == "notifications/message" {
            let level = params?["level"]?.stringValue ?? "info"
            let data = params?["data"] ?? .null
            let message = data.stringValue ?? data.jsonString
            events.push(["version": 1, "kind": "log", "server": .string(server), "source": "server", "level": .string(level), "message": .string(message)], droppable: true)
            return
        }
        event["kind"] = "notification"
        event["method"] = .string(method)
        if let params { event["params"] = params }
        events.push(.object(event), droppable: true)
    }

    /// Server→client requests (roots, sampling, elicitation) go to the host as `request` events, answered with
    /// `respond`. A request for a capability the host did not declare is refused here and logged: a server has no
    /// business asking for it.
    private func serverRequest(_ server: String, _ method: String, _ params: JSONValue?, _ reply: @escaping @Sendable (Result<JSONValue, MCPError>) -> Void) {
        if let refusal = ClientCapabilities(options.capabilities).refusal(method: method, params: params) {
            logSink.log(.warning, "declined server request \(method): \(refusal)", server: server, source: "protocol")
            let code: Int64 = method == "elicitation/create" && options.capabilities["elicitation"] != nil ? -32602 : -32601
            reply(.failure(MCPError.peer(code: code, message: "\(method) refused: \(refusal)", data: nil)))
            return
        }
        askHost(server, method: method, params: params, inputKey: nil, reply: reply)
    }

    /// Emits one `request` event and keeps `reply` until the host answers it.
    private func askHost(
        _ server: String, method: String, params: JSONValue?, inputKey: String?, reply: @escaping @Sendable (Result<JSONValue, MCPError>) -> Void
    ) {
        let id = allocateRequestID()
        hostRequests.withLock { $0[id] = HostRequest(server: server, reply: reply) }
        var event: JSONObject = ["version": 1, "kind": "request", "request_id": .int(Int64(id)), "server": .string(server), "method": .string(method)]
        if let inputKey { event["input_key"] = .string(inputKey) }
        // Spelled out so a host never has to apply the "missing mode means form" rule itself.
        if method == "elicitation/create" { event["mode"] = .string(ClientCapabilities.elicitationMode(params)) }
        if let params { event["params"] = params }
        events.push(.object(event), droppable: false)
    }

    /// Answers a `request` event: `{"result": {…}}` or `{"error": {"code": int, "message": string, "data"?: …}}`.
    public func respond(requestID: UInt64, response: JSONValue) throws(MCPError) {
        guard case .object(let object) = response else { throw MCPError.invalid("response must be a JSON object") }
        try PayloadVersion.check(object)
        let outcome: Result<JSONValue, MCPError>
        if let result = object["result"] {
            guard case .object = result else { throw MCPError.invalid("'result' must be an object", details: ["path": "result"]) }
            outcome = .success(result)
        } else if let error = object["error"] {
            guard let code = error["code"]?.int64Value, let message = error["message"]?.stringValue else {
                throw MCPError.invalid("'error' needs an integer 'code' and a string 'message'", details: ["path": "error"])
            }
            outcome = .failure(MCPError.peer(code: code, message: message, data: error["data"]))
        } else {
            throw MCPError.invalid("response needs 'result' or 'error'")
        }
        guard let pending = hostRequests.withLock({ $0.removeValue(forKey: requestID) }) else {
            throw MCPError.notFound("no server request \(requestID) is waiting for an answer", details: ["request_id": .int(Int64(truncatingIfNeeded: requestID))])
        }
        pending.reply(outcome)
    }

    /// MRTR input requests (`{key: {"method", "params"}}`) become `request` events, answered with `respond` like the
    /// handshake era's server→client requests; once every key has an answer the round is retried.
    private func askHost(_ server: String, _ requests: JSONObject, _ completion: @escaping @Sendable (Result<JSONObject, MCPError>) -> Void) {
        let capabilities = ClientCapabilities(options.capabilities)
        for (key, request) in requests {
            let method = request["method"]?.stringValue ?? ""
            if let refusal = capabilities.refusal(method: method, params: request["params"]) {
                completion(.failure(MCPError(.unsupported, "the server asked for \(method) but \(refusal)", source: .peer,
                    details: ["input_key": .string(key), "method": .string(method)])))
                return
            }
        }
        let collector = InputCollector(keys: requests.keys, completion: completion)
        for (key, request) in requests {
            askHost(server, method: request["method"]?.stringValue ?? "", params: request["params"], inputKey: key) { collector.answer(key, $0) }
        }
    }

    /// The connection is gone: unanswered requests fail, so calls waiting on host input end too.
    private func dropHostRequests(server: String) {
        let dropped = hostRequests.withLock { table -> [HostRequest] in
            let gone = table.filter { $0.value.server == server }
            for key in gone.keys { table.removeValue(forKey: key) }
            return Array(gone.values)
        }
        for request in dropped { request.reply(.failure(MCPError(.transport, "the server connection was lost"))) }
    }
}

/// Gathers the host's answers to one MRTR round; completes once, with every answer or the first failure.
final class InputCollector: @unchecked Sendable {
    private let keys: [String]
    private let state = Locked<(answers: [String: JSONValue], done: Bool)>(([:], false))
    private let completion: @Sendable (Result<JSONObject, MCPError>) -> Void

    init(keys: [String], completion: @escaping @Sendable (Result<JSONObject, MCPError>) -> Void) {
        self.keys = keys
        self.completion = completion
    }

    func answer(_ key: String, _ result: Result<JSONValue, MCPError>) {
        let outcome = state.withLock { state -> Result<JSONObject, MCPError>? in
            guard !state.done else { return nil }
            switch result {
            case .failure(let error):
                state.done = true
                return .failure(error)
            case .success(let value):
                state.answers[key] = value
                guard state.answers.count == keys.count else { return nil }
                state.done = true
                return .success(JSONObject(keys.compactMap { key in state.answers[key].map { (key: key, value: $0) } }))
            }
        }
        if let outcome { completion(outcome) }
    }
}

/// Forwards library and server-stderr logs to the event queue.
final class EventLogSink: LogSink, @unchecked Sendable {
    let queue: EventQueue
    init(queue: EventQueue) { self.queue = queue }

    func log(_ level: LogLevel, _ message: String, server: String?, source: String) {
        var event: JSONObject = ["version": 1, "kind": "log", "source": .string(source), "level": .string(level.rawValue), "message": .string(message)]
        if let server { event["server"] = .string(server) }
        queue.push(.object(event), droppable: true)
    }
}
