import MCPClientConfig
public import MCPClientCore
import MCPClientProtocol
import Synchronization

extension Manager {
    // MARK: subscriptions

    /// Subscribes to updates of one resource (`resource_updated` events). Completes once the server acknowledged it;
    /// a server that does not grant it gives MCP_ERR_UNSUPPORTED. The subscription survives reconnects.
    public func subscribe(server name: String, uri: String, as caller: CallContext = .host, completion: @escaping Completion) {
        changeSubscription(server: name, uri: uri, subscribe: true, caller: caller, completion: completion)
    }

    public func unsubscribe(server name: String, uri: String, as caller: CallContext = .host, completion: @escaping Completion) {
        changeSubscription(server: name, uri: uri, subscribe: false, caller: caller, completion: completion)
    }

    private func changeSubscription(server name: String, uri: String, subscribe: Bool, caller: CallContext, completion: @escaping Completion) {
        let route: Route
        do { route = try self.route(name, caller) } catch { completion(.failure(error)); return }
        guard !route.key.isRequest else {
            completion(.failure(MCPError(.unsupported, "server '\(name)' gets a new connection per request: nothing to subscribe on",
                details: ["server": .string(name), "scope": "request"])))
            return
        }
        guard let slot = route.entry.slot(route.key) else { completion(.failure(unknownServer(name))); return }
        let entry = route.entry
        let payload: JSONValue = ["version": 1, "server": .string(name), "uri": .string(uri), "subscribed": .bool(subscribe)]
        let changed = slot.state.withLock { state in
            subscribe ? state.resourceSubscriptions.insert(uri).inserted : state.resourceSubscriptions.remove(uri) != nil
        }
        // Unsubscribing needs no connection: there is nothing to tell a server that is not running.
        if !subscribe, !changed || slot.connectedSession == nil { completion(.success(payload)); return }
        session(for: route) { [weak self] result in
            guard let self else { return }
            switch result {
            case .failure(let error):
                if subscribe { slot.state.withLock { _ = $0.resourceSubscriptions.remove(uri) } }
                completion(.failure(error))
            case .success(let connected):
                self.applySubscriptions(entry, slot, connected.session) { [weak self] result in
                    self?.release(connected)
                    switch result {
                    case .success(let granted) where !subscribe || granted.resourceURIs.contains(uri):
                        completion(.success(payload))
                    case .success:
                        slot.state.withLock { _ = $0.resourceSubscriptions.remove(uri) }
                        completion(.failure(MCPError(.unsupported, "the server did not grant a subscription to '\(uri)'", source: .peer,
                            details: ["server": .string(name), "uri": .string(uri)])))
                    case .failure(let error):
                        if subscribe { slot.state.withLock { _ = $0.resourceSubscriptions.remove(uri) } }
                        completion(.failure(error))
                    }
                }
            }
        }
    }

    /// Sends the connection everything it should listen to: list changes the server announces (when the host wants
    /// them) and the host's resource subscriptions. Emits a `subscription` event with what was granted.
    func applySubscriptions(
        _ entry: ServerEntry, _ slot: ConnectionSlot, _ session: ClientSession, timeoutMs: Int? = nil, completion: @escaping @Sendable (Result<SubscriptionFilter, MCPError>) -> Void
    ) {
        let capabilities = session.server?.capabilities ?? [:]
        func listChanges(_ kind: String) -> Bool { options.listChanges && capabilities[kind]?["listChanged"]?.boolValue == true }
        let filter = SubscriptionFilter(
            toolsListChanged: listChanges("tools"), promptsListChanged: listChanges("prompts"), resourcesListChanged: listChanges("resources"),
            resourceURIs: slot.state.withLock { $0.resourceSubscriptions })
        let name = entry.config.name
        let user = slot.key.user
        guard !filter.isEmpty || session.hasSubscriptions else { completion(.success(filter)); return }
        session.subscribe(filter, timeoutNanoseconds: UInt64(timeoutMs ?? entry.config.timeoutMs) * 1_000_000) { [weak self] result in
            self?.emitSubscription(name, user: user, filter: filter, result: result, ended: false)
            completion(result)
        }
    }

    func emitSubscription(_ server: String, user: String?, filter: SubscriptionFilter?, result: Result<SubscriptionFilter, MCPError>, ended: Bool) {
        var event = eventHeader("subscription", server, user)
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
        // Like status: a user's connections may be many and short-lived.
        events.push(.object(event), droppable: user != nil)
    }

    // MARK: events

    /// `{"version":1,"kind",…,"server"}` plus `"user"` for a user's own connection.
    func eventHeader(_ kind: String, _ server: String, _ user: String?) -> JSONObject {
        var event: JSONObject = ["version": 1, "kind": .string(kind), "server": .string(server)]
        if let user { event["user"] = .string(user) }
        return event
    }

    func emitStatus(_ server: String, _ key: ConnectionKey, _ status: ConnectionSlot.Status, _ error: MCPError?, reason: String? = nil) {
        toolsMayHaveChanged(user: key.user)
        // A connection made for one request comes and goes with it: not a change hosts track.
        guard !key.isRequest else { return }
        var event = eventHeader("status", server, key.user)
        event["status"] = .string(status.rawValue)
        if let error { event["error"] = error.json }
        if let reason { event["reason"] = .string(reason) }
        // Shared connections' changes are rare and hosts track state from them: never dropped. Users' connections come
        // and go with their users (thousands, idle sweeps): a host that does not read events must not grow the queue
        // without bound, and `server_status` answers for a user at any time.
        events.push(.object(event), droppable: key.user != nil)
    }

    func emitTask(_ server: String, user: String?, requestID: UInt64, _ task: JSONObject) {
        var event = eventHeader("task", server, user)
        event["request_id"] = .int(Int64(requestID))
        for (key, value) in task { event[key] = value }
        // Hosts persist task ids from these to resume after a restart: never dropped.
        events.push(.object(event), droppable: false)
    }

    func emitProgress(_ server: String, user: String?, requestID: UInt64, _ params: JSONObject) {
        var event = eventHeader("progress", server, user)
        event["request_id"] = .int(Int64(requestID))
        for key in ["progress", "total", "message"] { if let value = params[key] { event[key] = value } }
        events.push(.object(event), droppable: true)
    }

    func serverNotification(_ server: String, user: String?, _ method: String, _ params: JSONValue?) {
        var event = eventHeader("notification", server, user)
        switch method {
        case "notifications/tools/list_changed", "notifications/prompts/list_changed", "notifications/resources/list_changed":
            // The same event in both eras, whether it came over a listen stream or the handshake-era session.
            event["kind"] = "list_changed"
            if method == "notifications/tools/list_changed" { toolsMayHaveChanged(user: user) }
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
            var log = eventHeader("log", server, user)
            log["source"] = "server"
            log["level"] = .string(level)
            log["message"] = .string(message)
            events.push(.object(log), droppable: true)
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
    func serverRequest(
        _ server: String, _ slot: ConnectionSlot, _ method: String, _ params: JSONValue?, _ reply: @escaping @Sendable (Result<JSONValue, MCPError>) -> Void
    ) {
        if let refusal = ClientCapabilities(options.capabilities).refusal(method: method, params: params) {
            logSink.log(.warning, "declined server request \(method): \(refusal)", server: server, source: "protocol")
            let code: Int64 = method == "elicitation/create" && options.capabilities["elicitation"] != nil ? -32602 : -32601
            reply(.failure(MCPError.peer(code: code, message: "\(method) refused: \(refusal)", data: nil)))
            return
        }
        askHost(server, slot, method: method, params: params, inputKey: nil, reply: reply)
    }

    /// Server→client requests one connection may have waiting for the host at once.
    static let maxPendingHostRequests = 64

    /// Emits one `request` event and keeps `reply` until the host answers it.
    private func askHost(
        _ server: String, _ slot: ConnectionSlot, method: String, params: JSONValue?, inputKey: String?,
        reply: @escaping @Sendable (Result<JSONValue, MCPError>) -> Void
    ) {
        let id = allocateRequestID()
        let connection = ObjectIdentifier(slot)
        // Request events are never dropped, so a server flooding requests the host leaves unanswered would grow the
        // queue and this table without end: past the cap, the server gets an error at once instead.
        let admitted = hostRequests.withLock { table -> Bool in
            guard table.values.lazy.filter({ $0.slot == connection }).count < Self.maxPendingHostRequests else { return false }
            table[id] = HostRequest(server: server, method: method, slot: connection, reply: reply)
            return true
        }
        guard admitted else {
            logSink.log(.warning, "declined server request \(method): \(Self.maxPendingHostRequests) requests already wait for the host",
                server: server, source: "protocol")
            reply(.failure(MCPError.peer(code: -32603, message: "\(method) refused: too many requests are waiting for the client", data: nil)))
            return
        }
        var event = eventHeader("request", server, slot.key.user)
        event["request_id"] = .int(Int64(id))
        event["method"] = .string(method)
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
        let notFound = MCPError.notFound("no server request \(requestID) is waiting for an answer", details: ["request_id": .int(Int64(truncatingIfNeeded: requestID))])
        // A refused roots answer leaves the request waiting, so the host can answer it properly.
        guard let method = hostRequests.withLock({ $0[requestID]?.method }) else { throw notFound }
        if method == "roots/list", case .success(let result) = outcome { try RootsAnswer.check(result) }
        guard let pending = hostRequests.withLock({ $0.removeValue(forKey: requestID) }) else { throw notFound }
        pending.reply(outcome)
    }

    /// MRTR input requests (`{key: {"method", "params"}}`) become `request` events, answered with `respond` like the
    /// handshake era's server→client requests; once every key has an answer the round is retried.
    func askHost(_ server: String, _ slot: ConnectionSlot, _ requests: JSONObject, _ completion: @escaping @Sendable (Result<JSONObject, MCPError>) -> Void) {
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
            askHost(server, slot, method: request["method"]?.stringValue ?? "", params: request["params"], inputKey: key) { collector.answer(key, $0) }
        }
    }

    /// The connection is gone: unanswered requests fail, so calls waiting on host input end too.
    func dropHostRequests(_ slot: ConnectionSlot) {
        let id = ObjectIdentifier(slot)
        let dropped = hostRequests.withLock { table -> [HostRequest] in
            let gone = table.filter { $0.value.slot == id }
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
