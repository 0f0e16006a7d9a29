import MCPClientConfig
import MCPClientCore
import MCPClientOAuth
import MCPClientProtocol
import MCPClientTransport
import Synchronization

/// Which server, which of its connections, and on whose behalf: decided once per operation.
struct Route: Sendable {
    let entry: ServerEntry
    let key: ConnectionKey
    let caller: CallContext
    var name: String { entry.config.name }
}

/// A connected session, the configuration it was made from, and the slot it lives in. The operation holds a lease
/// on the slot until it calls `Manager.release`.
struct Connected: Sendable {
    let session: ClientSession
    let slot: ConnectionSlot
    let entry: ServerEntry
    /// The entry's (it never changes): not a copy per operation, which cost more than the rest of `Connected`.
    var config: ServerConfig { entry.config }
}

extension Manager {
    // MARK: routing

    /// Picks the connection an operation of `caller` uses (management.md §1): shared for app-scoped servers and for
    /// the host itself, the user's own for per-user servers, a fresh one for request-scoped servers.
    func route(_ name: String, _ caller: CallContext) throws(MCPError) -> Route {
        try checkOpen()
        var found = entry(name)
        if found == nil { found = try createdElsewhere(name) }
        guard let current = found, let entry = try refreshedFromStore(current) else { throw unknownServer(name) }
        try checkUse(entry, caller)
        let key = connectionKey(entry, caller)
        // The shared connection is the host's: no user's values or sign-in ever end up in it.
        return Route(entry: entry, key: key, caller: key == .shared ? .host : caller)
    }

    func connectionKey(_ entry: ServerEntry, _ caller: CallContext) -> ConnectionKey {
        guard let user = caller.user else { return .shared }
        switch entry.scope.scope {
        case .app: return .shared
        case .user: return .user(user)
        case .request: return .request(allocateRequestID())
        }
    }

    // MARK: connecting

    /// Connects (or joins a connect already under way) and yields the session with a lease on its slot.
    func session(for route: Route, completion done: @escaping @Sendable (Result<Connected, MCPError>) -> Void) {
        if let connected = session(for: route, otherwise: { done }) { done(.success(connected)) }
    }

    /// `session(for:completion:)` for a session that is ready now: returned at once (with its lease), and the
    /// completion is never made. Otherwise nil, and the completion `otherwise` makes hears the outcome (a call
    /// to a connected server, the common case, needs no closure).
    func session(
        for route: Route, otherwise makeCompletion: () -> @Sendable (Result<Connected, MCPError>) -> Void
    ) -> Connected? {
        if isClosed { makeCompletion()(.failure(.closed)); return nil }
        let entry = route.entry
        let name = route.name
        guard let slot = entry.slot(route.key) else { makeCompletion()(.failure(unknownServer(name))); return nil }
        slot.leases.add(1, ordering: .relaxed)
        let now = SystemClock().nowNanoseconds()
        let lastUsed = slot.lastUsed.load(ordering: .relaxed)
        slot.touch(now)
        func completion() -> @Sendable (Result<ClientSession, MCPError>) -> Void {
            let done = makeCompletion()
            return { [weak self] result in
                switch result {
                case .success(let session): done(.success(Connected(session: session, slot: slot, entry: entry)))
                case .failure(let error):
                    self?.release(slot, of: entry)
                    done(.failure(error))
                }
            }
        }
        enum Next { case ready(ClientSession), joined, start(ClientSession, Int), failed(MCPError) }
        let next = slot.state.withLock { state -> Next in
            switch state.connection {
            case .connected(let session, _): return .ready(session)
            case .connecting(let session, let generation, let waiters):
                state.connection = .connecting(session: session, generation: generation, waiters: waiters + [completion()])
                return .joined
            case .idle:
                if let remaining = state.breaker.remaining(now: now) {
                    return .failed(MCPError(.unavailable, "server '\(name)' is not reconnected for \(remaining / 1_000_000_000 + 1) s: \(state.breaker.reason)",
                        details: ["server": .string(name), "reason": "circuit_open", "retryAfterMs": .int(Int64(remaining / 1_000_000))]))
                }
                do {
                    let (session, authorizer) = try makeSession(route)
                    state.authorizer?.close()
                    state.authorizer = authorizer
                    state.generation += 1
                    state.connection = .connecting(session: session, generation: state.generation, waiters: [completion()])
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
        case .ready(let session):
            let idleMs = now > lastUsed ? (now - lastUsed) / 1_000_000 : 0
            let check = options.connections.livenessCheckMs
            guard check > 0, idleMs >= UInt64(check), session.era == .legacy else {
                return Connected(session: session, slot: slot, entry: entry)
            }
            let done = makeCompletion()
            checkLiveness(route, slot, session) { [weak self] alive in
                guard let self, !alive else { done(.success(Connected(session: session, slot: slot, entry: entry))); return }
                // Our lease goes with the dead connection; the new connect takes its own.
                self.release(slot, of: entry)
                self.disconnect(entry, slot, reason: "unresponsive") { [weak self] in self?.session(for: route, completion: done) }
            }
        case .joined: break
        case .failed(let error):
            emitStatus(name, slot.key, .error, error)
            completion()(.failure(error))
        case .start(let session, let generation):
            emitStatus(name, slot.key, .connecting, nil)
            if slot.key.user != nil { scheduleIdleSweep() }
            startConnect(entry, slot, session: session, generation: generation)
        }
        return nil
    }

    /// management.md §8: a `ping` before reusing a connection that sat idle. Any answer, even an error (a server
    /// without `ping`), means it is alive; silence or a broken transport means it is not.
    private func checkLiveness(_ route: Route, _ slot: ConnectionSlot, _ session: ClientSession, completion: @escaping @Sendable (Bool) -> Void) {
        let timeout = UInt64(options.connections.livenessTimeoutMs) * 1_000_000
        _ = session.request(method: "ping", timeoutNanoseconds: timeout) { [weak self] result in
            switch result {
            case .success: completion(true)
            case .failure(let error) where error.source == .peer: completion(true)
            case .failure(let error):
                self?.logSink.log(.warning, "connection did not answer a liveness ping (\(error.message)); reconnecting",
                    server: route.name, source: "manager")
                completion(false)
            }
        }
    }

    /// Ends an operation's lease; a request-scoped connection closes with its last operation.
    func release(_ connected: Connected) { release(connected.slot, of: connected.entry) }

    func release(_ slot: ConnectionSlot, of entry: ServerEntry) {
        slot.touch()
        guard slot.leases.subtract(1, ordering: .relaxed).newValue == 0, slot.key.isRequest else { return }
        disconnect(entry, slot, reason: nil) { entry.dropIfIdle(slot) }
    }

    /// The server's configuration for a new connection: every reference resolved for the route's caller. A server
    /// whose config needs a user's or a request's values cannot be resolved for the host's shared connection.
    func connectionConfig(_ route: Route) throws(MCPError) -> ServerConfig {
        let entry = route.entry
        let name = entry.config.name
        guard entry.config.enabled else {
            throw MCPError(.unsupported, "server '\(name)' is disabled (enabled: false)", details: ["server": .string(name), "reason": "disabled"])
        }
        let saved = route.caller.user.map { userVariables($0, entry) } ?? [:]
        var context = route.caller.resolution(base: options.substitution, savedUserVars: saved)
        // A stored user-tier template keeps `obo` only if its author held CONFIGURE_OBO when it was written.
        if entry.runtime?.template["obo"] != nil { context.allowOBO = true }
        let resolved = try ConfigResolver.resolve(server: entry.template, context: context)
        if route.caller.user == nil, resolved.scope.needsUserValues {
            throw MCPError(.unsupported, "server '\(name)' needs a per-user connection (\(resolved.scope.reason)); call it with a user context",
                details: ["server": .string(name), "scope": .string(resolved.scope.scope.rawValue), "reason": .string(resolved.scope.reason)])
        }
        if !resolved.missingUserVars.isEmpty {
            throw MCPError(.config, "server '\(name)' needs the user's values for \(resolved.missingUserVars.joined(separator: ", "))",
                source: .config, details: ["server": .string(name), "reason": "missing_custom_user_vars",
                                           "missingUserVars": .array(resolved.missingUserVars.map { .string($0) })])
        }
        if resolved.deferred {
            throw MCPError(.config, "server '\(name)' needs request fields (\(resolved.deferredFields.joined(separator: ", "))) in the user context's body",
                source: .config, details: ["server": .string(name), "reason": "missing_request_fields",
                                           "fields": .array(resolved.deferredFields.map { .string($0) })])
        }
        return try ServerConfig.parse(name: name, json: .object(resolved.server))
    }

    private func makeSession(_ route: Route) throws(MCPError) -> (ClientSession, ServerAuthorizer?) {
        let config = try connectionConfig(route)
        let authorizer = try makeAuthorizer(config, user: route.key.user)
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
            let network = networkSettingsSnapshot
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

    private func startConnect(_ entry: ServerEntry, _ slot: ConnectionSlot, session: ClientSession, generation: Int) {
        let name = entry.config.name
        let key = eraKey(entry.config)
        let user = slot.key.user
        session.setHandlers(
            request: { [weak self, weak slot] method, params, reply in
                guard let self, let slot else { reply(.failure(.closed)); return }
                self.serverRequest(name, slot, method, params, reply)
            },
            notification: { [weak self] method, params in self?.serverNotification(name, user: user, method, params) },
            close: { [weak self, weak entry, weak slot] error in
                guard let self, let entry, let slot else { return }
                self.connectionLost(entry, slot, generation: generation, error: error)
            })
        session.setSubscriptionEndHandler { [weak self] error in
            // A closed transport is reported by status events; only the server ending or refusing the stream is news here.
            guard error == nil || error?.source == .peer else { return }
            self?.emitSubscription(name, user: user, filter: nil, result: error.map { .failure($0) } ?? .success(SubscriptionFilter()), ended: true)
        }
        session.setInputHandler { [weak self, weak slot] requests, completion in
            guard let self, let slot else { completion(.failure(.closed)); return }
            self.askHost(name, slot, requests, completion)
        }
        guard let authorizer = slot.state.withLock({ $0.authorizer }), let engine = oauthSlot.withLock({ $0.engine }) else {
            openSession(entry, slot, session: session, generation: generation, key: key)
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
                self.loop.execute { self.openSession(entry, slot, session: session, generation: generation, key: key) }
            } catch {
                self.finishConnect(entry, slot, session: session, generation: generation, .failure(error))
            }
        }
        if !started { finishConnect(entry, slot, session: session, generation: generation, .failure(.closed)) }
    }

    private func openSession(_ entry: ServerEntry, _ slot: ConnectionSlot, session: ClientSession, generation: Int, key: String) {
        let knownEra = eraCache.withLock { $0[key] }
        session.connect(knownEra: knownEra, timeoutNanoseconds: UInt64(entry.config.initTimeoutMs) * 1_000_000) { [weak self] result in
            guard let self else { return }
            guard case .success(let description) = result else {
                self.finishConnect(entry, slot, session: session, generation: generation, result)
                return
            }
            self.eraCache.withLock { $0[key] = description.era }
            // Subscriptions are in place (acknowledged) before anyone can use the connection, so no change made
            // through it can be missed. A server that does not acknowledge within a short bound gets a `failed`
            // subscription event instead of holding the connect up; the connection is usable anyway.
            let ackTimeout = min(entry.config.initTimeoutMs, Self.subscriptionAckOnConnectMs)
            self.applySubscriptions(entry, slot, session, timeoutMs: ackTimeout) { [weak self] _ in
                self?.finishConnect(entry, slot, session: session, generation: generation, result)
            }
        }
    }

    private func finishConnect(
        _ entry: ServerEntry, _ slot: ConnectionSlot, session: ClientSession, generation: Int, _ result: Result<ServerDescription, MCPError>
    ) {
        let now = SystemClock().nowNanoseconds()
        let policy = options.connections
        let waiters = slot.state.withLock { state -> [@Sendable (Result<ClientSession, MCPError>) -> Void] in
            guard case .connecting(_, let current, let waiters) = state.connection, current == generation else { return [] }
            switch result {
            case .success:
                state.connection = .connected(session: session, generation: generation)
                state.status = .connected
                state.lastError = nil
                state.connectedAt = now
                state.breaker.recordSuccess()
            case .failure(let error):
                state.connection = .idle
                state.status = .error
                state.lastError = error
                // Waiting for a user to sign in is not the server failing; request-scoped connects never count.
                if error.code != .auth, !slot.key.isRequest { state.breaker.recordFailure(now: now, policy: policy) }
            }
            return waiters
        }
        switch result {
        case .success:
            emitStatus(entry.config.name, slot.key, .connected, nil)
            for waiter in waiters { waiter(.success(session)) }
        case .failure(let error):
            emitStatus(entry.config.name, slot.key, .error, error)
            closingSessions.close(session, afterFailure: false, on: loop)
            for waiter in waiters { waiter(.failure(error)) }
        }
    }

    /// The transport died (crash, EOF) or was closed. In-flight requests already failed in the RPC layer.
    private func connectionLost(_ entry: ServerEntry, _ slot: ConnectionSlot, generation: Int, error: MCPError?) {
        let now = SystemClock().nowNanoseconds()
        let policy = options.connections
        let lost = slot.state.withLock { state -> ClientSession? in
            guard case .connected(let session, let current) = state.connection, current == generation else { return nil }
            state.connection = .idle
            state.status = error == nil ? .disconnected : .error
            state.lastError = error
            if !slot.key.isRequest { state.breaker.recordCycle(now: now, policy: policy) }
            return session
        }
        dropHostRequests(slot)
        guard let lost else { return }
        closingSessions.close(lost, afterFailure: true, on: loop)
        emitStatus(entry.config.name, slot.key, error == nil ? .disconnected : .error, error)
        if let error { scheduleReconnect(entry, slot, after: error, attempt: 1) }
    }

    /// management.md §6: a shared connection (or one holding the host's subscriptions) that was lost with an error is
    /// reopened after about 2 s, 4 s, 8 s; never after a rate limit, while a sign-in is pending, or once removed.
    /// Other connections reopen on their next use.
    private func scheduleReconnect(_ entry: ServerEntry, _ slot: ConnectionSlot, after error: MCPError, attempt: Int) {
        let policy = options.connections
        let wanted = slot.key == .shared || slot.state.withLock { !$0.resourceSubscriptions.isEmpty }
        let rateLimited = error.details["status"]?.int64Value == 429 || error.details["reason"]?.stringValue == "rate_limited"
        guard wanted, !rateLimited, error.code != .auth, attempt <= policy.reconnectAttempts, !entry.isRemoved, !isClosed else { return }
        let delayMs = policy.reconnectDelayMs(attempt: attempt, jitter: Int.random(in: 0...Int(Int32.max)))
        loop.schedule(afterNanoseconds: UInt64(delayMs) * 1_000_000) { [weak self, weak entry, weak slot] in
            guard let self, let entry, let slot, !entry.isRemoved, !self.isClosed else { return }
            // Someone else reconnected (or disconnected on purpose) meanwhile.
            guard slot.state.withLock({ $0.status == .error }) else { return }
            self.logSink.log(.info, "reconnecting (attempt \(attempt) of \(policy.reconnectAttempts)) after: \(error.message)",
                server: entry.config.name, source: "manager")
            let route = Route(entry: entry, key: slot.key, caller: self.reconnectCaller(slot.key))
            self.session(for: route) { [weak self] result in
                switch result {
                case .success(let connected): self?.release(connected)
                case .failure(let failure): self?.scheduleReconnect(entry, slot, after: failure, attempt: attempt + 1)
                }
            }
        }
    }

    /// The context a background reconnect uses: the slot's user without the profile of the call that opened it
    /// (per-user slots are not reconnected in the background, so this is only ever the host or a bare user).
    private func reconnectCaller(_ key: ConnectionKey) -> CallContext { CallContext(user: key.user) }

    // MARK: disconnecting

    /// Closes one connection and waits until its server process is gone.
    func disconnect(_ entry: ServerEntry, _ slot: ConnectionSlot, reason: String?, completion: @escaping @Sendable () -> Void) {
        let (session, waiters) = slot.state.withLock { state -> (ClientSession?, [@Sendable (Result<ClientSession, MCPError>) -> Void]) in
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
        emitStatus(entry.config.name, slot.key, .disconnected, nil, reason: reason)
        closingSessions.close(session, afterFailure: false, on: loop, completion: completion)
    }

    /// Closes every given connection; `completion` runs once all are gone.
    func disconnect(_ entry: ServerEntry, _ slots: [ConnectionSlot], reason: String?, completion: @escaping @Sendable () -> Void) {
        guard !slots.isEmpty else { completion(); return }
        let remaining = Atomic<Int>(slots.count)
        for slot in slots {
            disconnect(entry, slot, reason: reason) {
                if remaining.subtract(1, ordering: .relaxed).newValue == 0 { completion() }
            }
        }
    }

    // MARK: idle eviction

    /// Starts the idle sweep once a user connection exists: a timer, not only a check on use (management.md §8).
    func scheduleIdleSweep() {
        let idleMs = options.connections.userIdleTimeoutMs
        guard idleMs > 0, !isClosed, !sweepScheduled.exchange(true, ordering: .relaxed) else { return }
        let interval = UInt64(min(max(idleMs / 4, 250), 60_000)) * 1_000_000
        loop.schedule(afterNanoseconds: interval) { [weak self] in
            guard let self else { return }
            self.sweepScheduled.store(false, ordering: .relaxed)
            if self.evictIdleUserConnections() > 0 || self.hasUserConnections { self.scheduleIdleSweep() }
        }
    }

    private var hasUserConnections: Bool {
        allEntries.contains { entry in entry.allSlots.contains { $0.key.user != nil && !$0.isDisposable } }
    }

    /// Closes user connections unused for the idle timeout and not in use; returns how many it closed.
    @discardableResult
    func evictIdleUserConnections() -> Int {
        let idle = UInt64(options.connections.userIdleTimeoutMs) * 1_000_000
        let now = SystemClock().nowNanoseconds()
        var evicted = 0
        for entry in allEntries {
            for slot in entry.allSlots where slot.key.user != nil && slot.leases.load(ordering: .relaxed) == 0 {
                let last = slot.lastUsed.load(ordering: .relaxed)
                guard now > last, now - last >= idle else { continue }
                let connected = slot.state.withLock { state -> Bool in
                    if case .idle = state.connection { return false }
                    return true
                }
                if connected {
                    evicted += 1
                    disconnect(entry, slot, reason: "idle") { entry.dropIfIdle(slot) }
                } else {
                    entry.dropIfIdle(slot)
                }
            }
        }
        return evicted
    }
}
