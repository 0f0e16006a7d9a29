public import MCPClientCore
import Synchronization

/// The MCP client side of one server connection, for both eras. Hosts never need to know which era a server is.
public final class ClientSession: @unchecked Sendable {
    public typealias Completion<T> = @Sendable (Result<T, MCPError>) -> Void

    public let rpc: RPCSession
    public let options: ClientOptions
    let clock: any MonotonicClock
    private let described = Locked<ServerDescription?>(nil)
    /// `_meta` every modern request carries, built once.
    let modernMeta: JSONObject
    let modernMetaWithTasks: JSONObject
    /// The two written once: a request whose `_meta` is one of them unchanged copies these bytes.
    let modernMetaBytes: JSONPassThrough
    let modernMetaWithTasksBytes: JSONPassThrough
    let subscriptionState = Locked(SubscriptionState())
    /// The host's callbacks, in a struct rather than as bare closures (see `Locked`).
    struct HostCallbacks {
        var input: InputHandler?
        var subscriptionEnd: (@Sendable (MCPError?) -> Void)?
    }
    let hostCallbacks = Locked(HostCallbacks())
    let elicitationState = Locked(ElicitationState())
    let toolCatalog = Locked(ToolCatalog())

    /// Cacheable results (ttlMs/cacheScope), invalidated by list_changed and resources/updated.
    public let cache: ResponseCache

    public init(rpc: RPCSession, options: ClientOptions, clock: any MonotonicClock = SystemClock()) {
        self.rpc = rpc
        self.options = options
        self.clock = clock
        cache = ResponseCache(clock: clock)
        var meta: JSONObject = [
            ProtocolVersion.metaProtocolVersion: .string(ProtocolVersion.modern[0]),
            ProtocolVersion.metaClientCapabilities: .object(options.capabilities),
            ProtocolVersion.metaClientInfo: .object(options.clientInfo),
        ]
        // Only when the host asked for server logs: without it a server must not send notifications/message.
        if let level = options.logLevel { meta[ProtocolVersion.metaLogLevel] = .string(level) }
        modernMeta = meta
        var capabilities = options.capabilities
        var extensions = capabilities["extensions"]?.objectValue ?? [:]
        extensions[Self.tasksExtension] = .object([:])
        capabilities["extensions"] = .object(extensions)
        meta[ProtocolVersion.metaClientCapabilities] = .object(capabilities)
        modernMetaWithTasks = meta
        modernMetaBytes = JSONPassThrough(modernMeta)
        modernMetaWithTasksBytes = JSONPassThrough(modernMetaWithTasks)
        setHandlers(request: nil, notification: nil, close: nil)
    }

    public var server: ServerDescription? { described.withLock { $0 } }
    /// `server?.era` without copying the whole description (asked on every call).
    public var era: ProtocolEra? { described.withLock { $0?.era } }

    /// Installs the owner's handlers. Notifications pass through the session first: subscription plumbing is
    /// consumed here and list changes and resource updates invalidate the cache before the owner hears of them.
    public func setHandlers(
        request: RPCSession.RequestHandler?, notification: RPCSession.NotificationHandler?, close: RPCSession.CloseHandler?
    ) {
        rpc.setHandlers(request: request, notification: { [weak self] method, params in
            guard let self, !self.consumeSubscriptionMessage(method, params) else { return }
            self.invalidateCache(after: method, params)
            if method == "notifications/elicitation/complete", let id = params?["elicitationId"]?.stringValue { self.elicitationCompleted(id) }
            notification?(method, params)
        }, close: close)
    }

    private func invalidateCache(after method: String, _ params: JSONValue?) {
        switch method {
        case "notifications/tools/list_changed":
            cache.invalidate(method: "tools/list")
            toolCatalog.withLock { $0 = ToolCatalog() }
        case "notifications/prompts/list_changed": cache.invalidate(method: "prompts/list")
        case "notifications/resources/list_changed":
            cache.invalidate(method: "resources/list")
            cache.invalidate(method: "resources/templates/list")
        case "notifications/resources/updated":
            if let uri = params?["uri"]?.stringValue { cache.invalidate(key: "resources/read|uri|" + uri) }
        default: break
        }
    }

    // MARK: connecting

    /// Starts the transport and finds the server's era: `server/discover` first, `initialize` on any non-modern
    /// answer or silence. `knownEra` (from a cache) skips the probe for legacy servers.
    public func connect(knownEra: ProtocolEra?, timeoutNanoseconds: UInt64, completion: @escaping Completion<ServerDescription>) {
        do {
            try rpc.start()
        } catch {
            completion(.failure(error))
            return
        }
        // One budget for the whole connect: a probe that times out leaves only the rest for initialize.
        let deadline = clock.nowNanoseconds() &+ timeoutNanoseconds
        let finish: Completion<ServerDescription> = { [weak self] result in
            if case .success(let description) = result { self?.described.withLock { $0 = description } }
            completion(result)
        }
        let preferred: ProtocolEra? = switch options.eraPreference {
        case .modern: .modern
        case .legacy: .legacy
        case .auto: knownEra
        }
        if preferred == .legacy {
            initialize(deadline: deadline) { [weak self] result in
                // A cached guess that proves wrong is re-probed; an explicit preference is not second-guessed.
                if case .failure(let error) = result, self?.options.eraPreference == .auto, error.source == .peer {
                    self?.discover(allowFallback: false, deadline: deadline, completion: finish)
                } else {
                    finish(result)
                }
            }
        } else {
            discover(allowFallback: options.eraPreference == .auto, deadline: deadline, completion: finish)
        }
    }

    private func remaining(until deadline: UInt64) -> UInt64 {
        let now = clock.nowNanoseconds()
        return deadline > now ? deadline - now : 1
    }

    private func discover(allowFallback: Bool, deadline: UInt64, completion: @escaping Completion<ServerDescription>) {
        let id = rpc.allocateID()
        let budget = remaining(until: deadline)
        let probeTimeout = allowFallback ? min(options.probeTimeoutNanoseconds, budget) : budget
        // Timing out here must not send notifications/cancelled: a legacy server expects nothing before initialize.
        let timer = Locked<UInt64?>(nil)
        // Only the probe's own silence is an era signal: a timeout from elsewhere (an authorization server that the
        // transport consulted on a 401) would otherwise send initialize into the same wait again.
        let probeExpired = Locked(false)
        rpc.request(id: id, method: "server/discover", params: ["_meta": .object(modernMeta)]) { [weak self] result in
            if let pending = timer.withLock({ $0 }) { self?.rpc.schedulerCancel(pending) }
            guard let self else { return }
            switch result {
            case .success(let value):
                completion(self.describeModern(value))
            case .failure(let error) where error.source == .peer:
                if error.rpcCode == ProtocolVersion.unsupportedVersionCode {
                    let supported = error.details["rpc"]?["data"]?["supported"]?.arrayValue?.compactMap(\.stringValue) ?? []
                    // The server knows the 2026 envelope but wants another version: a handshake-era one we speak is
                    // the only other version to retry with. Otherwise nothing else will work, so no blind fallback.
                    if allowFallback, let version = ProtocolVersion.legacy.first(where: supported.contains) {
                        self.initialize(version: version, deadline: deadline, completion: completion)
                        return
                    }
                    completion(.failure(MCPError(.unsupported,
                        "the server supports protocol versions \(supported) but this client speaks \(ProtocolVersion.modern + ProtocolVersion.legacy)",
                        source: .peer, details: error.details)))
                } else if allowFallback {
                    self.initialize(deadline: deadline, completion: completion)
                } else {
                    completion(.failure(error))
                }
            case .failure(let error):
                guard allowFallback, error.code == .timeout, probeExpired.withLock({ $0 }) else { completion(.failure(error)); return }
                // When the probe used the whole connect budget, initialize still goes out (a transport failing at
                // this moment reports its own, better error through it), but its zero-length timeout is not news:
                // the error says what was waited for.
                let exhausted = self.clock.nowNanoseconds() >= deadline
                let ms = Int64((probeTimeout + 500_000) / 1_000_000)
                // A server too slow to answer the probe in time (a slow start) may still read it and take the 2026
                // era; it then refuses initialize with -32022 naming that version. Ask again, with no fallback.
                self.initialize(deadline: deadline) { [weak self] result in
                    if exhausted, case .failure(let late) = result, late.code == .timeout, late.details["method"] == "initialize" {
                        completion(.failure(MCPError(.timeout, "the server did not answer server/discover within \(ms) ms (the connect timeout)",
                            details: ["method": "server/discover", "timeout_ms": .int(ms)])))
                        return
                    }
                    guard case .failure(let refusal) = result, Self.refusesHandshakeForModern(refusal), let self
                    else { completion(result); return }
                    self.discover(allowFallback: false, deadline: deadline, completion: completion)
                }
            }
        }
        if let scheduler = rpc.scheduler {
            let pending = scheduler.schedule(afterNanoseconds: probeTimeout) { [weak self] in
                probeExpired.withLock { $0 = true }
                self?.rpc.cancel(id: id, error: MCPError(.timeout, "server/discover got no answer"), notifyServer: false)
            }
            timer.withLock { $0 = pending }
        }
    }

    /// An `initialize` refused with -32022 whose `data.supported` lists a 2026-era version this client speaks.
    static func refusesHandshakeForModern(_ error: MCPError) -> Bool {
        guard error.source == .peer, error.rpcCode == ProtocolVersion.unsupportedVersionCode else { return false }
        let supported = error.details["rpc"]?["data"]?["supported"]?.arrayValue?.compactMap(\.stringValue) ?? []
        return ProtocolVersion.modern.contains(where: supported.contains)
    }

    private func describeModern(_ value: JSONValue) -> Result<ServerDescription, MCPError> {
        guard case .object(let result) = value else {
            return .failure(MCPError(.protocolError, "server/discover returned \(value.typeName), not an object", source: .peer))
        }
        let supported = result["supportedVersions"]?.arrayValue?.compactMap(\.stringValue) ?? []
        guard let version = ProtocolVersion.modern.first(where: supported.contains) else {
            return .failure(MCPError(.unsupported, "the server supports protocol versions \(supported), none of which this client speaks",
                source: .peer, details: ["supported": .array(supported.map { .string($0) })]))
        }
        return .success(ServerDescription(
            era: .modern, protocolVersion: version, serverInfo: result["_meta"]?[ProtocolVersion.metaServerInfo].map(Icons.sanitize),
            capabilities: result["capabilities"]?.objectValue ?? [:], instructions: result["instructions"]?.stringValue))
    }

    private func initialize(version: String = ProtocolVersion.legacy[0], deadline: UInt64, completion: @escaping Completion<ServerDescription>) {
        let params: JSONObject = [
            "protocolVersion": .string(version),
            "capabilities": .object(options.capabilities),
            "clientInfo": .object(options.clientInfo),
        ]
        rpc.request(method: "initialize", params: params, timeoutNanoseconds: remaining(until: deadline)) { [weak self] result in
            guard let self else { return }
            switch result {
            case .failure(let error):
                completion(.failure(error))
            case .success(let value):
                let version = value["protocolVersion"]?.stringValue ?? ""
                guard ProtocolVersion.legacy.contains(version) else {
                    completion(.failure(MCPError(.unsupported, "the server chose protocol version '\(version)', which this client does not speak",
                        source: .peer, details: ["protocolVersion": .string(version)])))
                    return
                }
                self.rpc.notify(method: "notifications/initialized", params: nil)
                if let level = self.options.logLevel, value["capabilities"]?["logging"] != nil {
                    self.rpc.request(method: "logging/setLevel", params: ["level": .string(level)]) { _ in }
                }
                let described = ServerDescription(
                    era: .legacy, protocolVersion: version, serverInfo: value["serverInfo"].map(Icons.sanitize),
                    capabilities: value["capabilities"]?.objectValue ?? [:], instructions: value["instructions"]?.stringValue)
                // Connected means the server can reach us: a list change sent before an HTTP session's GET stream is
                // open would be lost. The stream is the server's to refuse, so the deadline ends the wait, not the connect.
                let once = FirstCall()
                let timer = self.rpc.scheduler?.schedule(afterNanoseconds: self.remaining(until: deadline)) {
                    if once.claim() { completion(.success(described)) }
                }
                self.rpc.transport.whenServerMessagesFlow { [weak self] in
                    guard once.claim() else { return }
                    if let timer { self?.rpc.schedulerCancel(timer) }
                    completion(.success(described))
                }
            }
        }
    }

    // MARK: requests

    /// Answers a set of input requests (`{key: {"method", "params"}}`) with `{key: result}`; the host's job.
    public typealias InputHandler = @Sendable (_ requests: JSONObject, _ completion: @escaping @Sendable (Result<JSONObject, MCPError>) -> Void) -> Void

    /// Methods whose result may be `input_required` (MRTR). A switch: asked on every call, and hashing cost more.
    public static func isMultiRound(_ method: String) -> Bool {
        switch method {
        case "tools/call", "resources/read", "prompts/get": true
        default: false
        }
    }

    /// Rounds before giving up on a server that keeps asking (PySDK's `input_required_max_rounds` idea).
    public static let maxInputRounds = 8
    /// How long a request waits for a URL elicitation to complete when it has no timeout of its own.
    static let longestInputWait: UInt64 = 600_000_000_000

    public func setInputHandler(_ handler: InputHandler?) { hostCallbacks.withLock { $0.input = handler } }

    /// Sends a request with the era's envelope (modern requests carry the per-request `_meta`) and runs the
    /// MRTR loop: an `input_required` result is answered through the input handler and retried with
    /// `inputResponses`, the server's `requestState` unchanged, and a new id. A `tools/call` that becomes a task
    /// (tasks extension) is followed to its end; `taskUpdate` hears each status the task reports.
    @discardableResult
    public func request(
        id: Int64? = nil, method: String, params: JSONObject = [:], timeoutNanoseconds: UInt64? = nil, maxTotalNanoseconds: UInt64? = nil,
        progress: RPCSession.ProgressHandler? = nil, batched: Bool = false, taskUpdate: TaskUpdateHandler? = nil,
        completion: @escaping RPCSession.Completion
    ) -> RequestHandle {
        request(id: id, method: method, params: params, timeoutNanoseconds: timeoutNanoseconds, maxTotalNanoseconds: maxTotalNanoseconds,
            progress: progress, batched: batched, makingTaskUpdate: { taskUpdate }, completion: completion)
    }

    /// `request`, with the task handler made only for a call that may become a task (most never do). `passesOn`: the
    /// caller only writes the result out (a blocking C call), so a tool call's reply may be read shallow
    /// (`OutgoingRequest.resultMayStayShallow`); this request's own permission, carried by each of its rounds.
    @discardableResult
    public func request(
        id: Int64? = nil, method: String, params: JSONObject = [:], timeoutNanoseconds: UInt64? = nil, maxTotalNanoseconds: UInt64? = nil,
        progress: RPCSession.ProgressHandler? = nil, batched: Bool = false, passesOn: Bool = false,
        makingTaskUpdate makeTaskUpdate: () -> TaskUpdateHandler?, completion: @escaping RPCSession.Completion
    ) -> RequestHandle {
        let cacheKey = ResponseCache.key(method: method, params: params)
        if let cacheKey, let cached = cache.fresh(cacheKey) {
            let handle = RequestHandle(rpc: rpc, completion: completion)
            handle.finish(.success(cached))
            return handle
        }
        let handle: RequestHandle
        if let cacheKey {
            let cache = self.cache
            handle = RequestHandle(rpc: rpc) { result in
                switch result {
                case .success(let value): cache.store(cacheKey, value)
                // An invalid cursor discards every page of that list.
                case .failure(let error): if params["cursor"] != nil, error.rpcCode == -32602 { cache.invalidate(method: method) }
                }
                completion(result)
            }
        } else {
            handle = RequestHandle(rpc: rpc, completion: completion)  // tools/call and friends: nothing to cache
        }
        // Only a call that opts into tasks can become one (and hear of its task's states).
        let optInTasks = method == "tools/call" && wantsTask(tool: params["name"]?.stringValue)
        let call = Call(
            handle: handle, method: method, params: params, timeout: timeoutNanoseconds, maxTotal: maxTotalNanoseconds, progress: progress,
            batched: batched, passesOn: passesOn, optInTasks: optInTasks, taskUpdate: optInTasks ? makeTaskUpdate() : nil,
            started: clock.nowNanoseconds())
        sendRound(call, round: 0, id: id ?? rpc.allocateID())
        return handle
    }

    /// What stays the same across the rounds of one logical request.
    struct Call: Sendable {
        let handle: RequestHandle
        let method: String
        let params: JSONObject
        let timeout: UInt64?
        let maxTotal: UInt64?
        let progress: RPCSession.ProgressHandler?
        let batched: Bool
        /// The caller only writes the result out (see `request(passesOn:)`).
        let passesOn: Bool
        /// Declares the tasks extension on this call, so the server may answer with a task.
        var optInTasks: Bool
        /// Set once -32020 (header mismatch) made us refresh tools/list and retry; a second one is final.
        var refreshedTools = false
        let taskUpdate: TaskUpdateHandler?
        let started: UInt64
    }

    /// The per-request envelope: modern `_meta` (with the tasks extension when the call opts in) and a progress token.
    func envelope(_ original: JSONObject, id: Int64, progress: Bool, optInTasks: Bool) -> JSONObject {
        envelopeWritten(original, id: id, progress: progress, optInTasks: optInTasks).params
    }

    /// `envelope`, and the `_meta` it added with its bytes when it is the session's constant one (plus the progress
    /// token), for the request's writer to copy rather than serialize.
    func envelopeWritten(_ original: JSONObject, id: Int64, progress: Bool, optInTasks: Bool) -> (params: JSONObject, meta: JSONPassThrough?) {
        let era = described.withLock { $0?.era }
        guard era == .modern || progress else { return (original, nil) }
        var params = original
        let existing = params.entries.firstIndex { $0.key == "_meta" }
        if era == .modern, existing == nil {
            let constant = optInTasks ? modernMetaWithTasksBytes : modernMetaBytes
            if let written = progress ? constant.appending(["progressToken": .int(id)]) : constant, let meta = written.object {
                params.entries.reserveCapacity(params.count + 1)  // one exact growth instead of doubling
                params.entries.append((key: "_meta", value: .object(meta)))
                return (params, written)
            }
        }
        var meta = era == .modern ? (optInTasks ? modernMetaWithTasks : modernMeta) : [:]
        if let existing, let fields = params.entries[existing].value.objectValue { for (key, value) in fields { meta[key] = value } }
        if progress { meta["progressToken"] = .int(id) }
        if let existing {
            params.entries[existing].value = .object(meta)
        } else {
            params.entries.reserveCapacity(params.count + 1)  // one exact growth instead of doubling
            params.entries.append((key: "_meta", value: .object(meta)))
        }
        return (params, nil)
    }

    func sendRound(_ call: Call, round: Int, id: Int64, input: (responses: JSONObject, state: JSONValue?)? = nil) {
        guard call.handle.startRound(id: id) else { return }  // cancelled while the host was answering
        var params = call.params
        if let input {
            if !input.responses.isEmpty { params["inputResponses"] = .object(input.responses) }
            if let state = input.state { params["requestState"] = state }
        }
        let meta: JSONPassThrough?
        (params, meta) = envelopeWritten(params, id: id, progress: call.progress != nil, optInTasks: call.optInTasks)
        // Handshake-era (2025-11-25) tasks are asked for on the request itself.
        if call.optInTasks, server?.era == .legacy, params["task"] == nil { params["task"] = .object([:]) }
        rpc.request(
            id: id, method: call.method, params: params, timeoutNanoseconds: call.timeout, maxTotalNanoseconds: call.maxTotal,
            progress: call.progress, batched: call.batched, copying: meta, resultMayStayShallow: resultMayStayShallow(call)
        ) { [weak self] result in
            // The owner may already have let go of a session whose connection died: its failure still reaches the caller.
            guard let self else { call.handle.finish(result.flatMap(Self.checkResultType)); return }
            self.roundFinished(call, round: round, result)
        }
    }

    /// A tool call whose result this session will not look into (no task to follow, no output schema to check) may
    /// come back shallow when its caller only passes it on; `roundFinished` reads it whole if it must after all.
    private func resultMayStayShallow(_ call: Call) -> Bool {
        guard call.passesOn, call.method == "tools/call", !call.optInTasks else { return false }
        guard options.validateOutput, let name = call.params["name"]?.stringValue else { return true }
        return toolCatalog.withLock { $0.outputSchemas[name] == nil }
    }

    private func roundFinished(_ call: Call, round: Int, _ result: Result<JSONValue, MCPError>) {
        let handle = call.handle
        var value: JSONValue
        switch result {
        case .failure(let error) where error.rpcCode == ProtocolVersion.urlElicitationRequiredCode && round + 1 < Self.maxInputRounds:
            handleURLElicitationRequired(error, handle: handle, waitNanoseconds: call.maxTotal ?? call.timeout ?? Self.longestInputWait) {
                [weak self] in
                guard let self else { handle.finish(.failure(.closed)); return }
                self.sendRound(call, round: round + 1, id: self.rpc.allocateID())
            }
            return
        case .failure(let error) where error.rpcCode == ProtocolVersion.missingCapabilityCode && !call.optInTasks
            && options.tasks != .off && Self.requiresTasks(error):
            // The server can only serve this call as a task and the host allows tasks: ask again, opting in.
            var retry = call
            retry.optInTasks = true
            sendRound(retry, round: round + 1, id: rpc.allocateID())
            return
        case .failure(let error) where error.rpcCode == ProtocolVersion.headerMismatchCode && call.method == "tools/call" && !call.refreshedTools:
            // The server's idea of the tool (its x-mcp-header annotations) changed: list again, then retry once.
            var refreshed = call
            refreshed.refreshedTools = true
            let retry = refreshed
            list(.tools, timeoutNanoseconds: call.timeout) { [weak self] _ in
                guard let self else { handle.finish(.failure(error)); return }
                self.sendRound(retry, round: round + 1, id: self.rpc.allocateID())
            }
            return
        case .failure(let error):
            handle.finish(.failure(error))
            return
        case .success(let result):
            value = result
        }
        // A result read shallow (only passed on by the host) is read whole before anything looks below its top level.
        if value["resultType"].map({ $0.stringValue != "complete" }) == true { value = JSONPassThrough.deepened(value) }
        switch value["resultType"]?.stringValue {
        case "input_required" where Self.isMultiRound(call.method):
            break
        case "task" where call.optInTasks:
            followTask(call, created: value)
            return
        case nil where call.optInTasks && value["task"]?["taskId"] != nil:
            followTask(call, created: value["task"] ?? .null)  // 2025-11-25 CreateTaskResult
            return
        default:
            handle.finish(checkedToolResult(call, Self.checkResultType(value)))
            return
        }
        guard round + 1 < Self.maxInputRounds else {
            handle.finish(.failure(MCPError(.protocolError, "\(call.method) still asked for input after \(Self.maxInputRounds) rounds",
                source: .peer, details: ["rounds": .int(Int64(Self.maxInputRounds))])))
            return
        }
        let requests = value["inputRequests"]?.objectValue ?? [:]
        let state = value["requestState"]
        let next: @Sendable (JSONObject) -> Void = { [weak self] responses in
            guard let self else { handle.finish(.failure(.closed)); return }
            self.sendRound(call, round: round + 1, id: self.rpc.allocateID(), input: (responses, state))
        }
        // State only (load shedding): retry at once.
        if requests.isEmpty { next([:]); return }
        askInput(requests, handle: handle) { next($0) }
    }

    /// Hands input requests to the host; a failure (or no host handler) ends the request.
    func askInput(_ requests: JSONObject, handle: RequestHandle, then answered: @escaping @Sendable (JSONObject) -> Void) {
        guard let handler = hostCallbacks.withLock({ $0.input }) else {
            handle.finish(.failure(MCPError(.unsupported, "the server asked for input but the host handles no input requests",
                details: ["inputRequests": .object(requests)])))
            return
        }
        handle.awaitingInput()
        handler(requests) { result in
            switch result {
            case .success(let responses): answered(responses)
            case .failure(let error): handle.finish(.failure(error))
            }
        }
    }

    /// `resultType` absent or `complete` is a final result; anything else left over is not one we understand.
    static func checkResultType(_ value: JSONValue) -> Result<JSONValue, MCPError> {
        guard let type = value["resultType"] else { return .success(value) }
        if type.stringValue == "complete" { return .success(value) }
        return .failure(MCPError(.protocolError, "the server sent resultType \(type.jsonString), which this request cannot have",
            source: .peer, details: ["resultType": type]))
    }

    /// The four paginated list methods and the result key each returns its items under.
    public enum ListKind: String, Sendable, CaseIterable {
        case tools = "tools/list"
        case resources = "resources/list"
        case resourceTemplates = "resources/templates/list"
        case prompts = "prompts/list"

        public var key: String {
            switch self {
            case .tools: "tools"
            case .resources: "resources"
            case .resourceTemplates: "resourceTemplates"
            case .prompts: "prompts"
            }
        }
    }

    /// Every item of a list, following `nextCursor` ("" is a valid cursor; only its absence ends the list). The whole
    /// listing is bounded: `maxPages` pages, `maxListItems` items and, with `maxTotalNanoseconds`, that much time.
    public func list(
        _ kind: ListKind, timeoutNanoseconds: UInt64?, maxTotalNanoseconds: UInt64? = nil, completion: @escaping Completion<[JSONValue]>
    ) {
        var finish = completion
        if kind == .tools {
            finish = { [weak self] result in
                guard let self, case .success(var tools) = result else { completion(result); return }
                let catalog = ToolCatalog(tools: tools, validateOutput: self.options.validateOutput,
                    mirrorHeaders: self.options.mirrorsParameterHeaders)
                // Over HTTP a tool whose x-mcp-header annotations are invalid could not be called correctly: not offered.
                for (name, reason) in catalog.dropped { self.rpc.log(.warning, "dropped tool '\(name)': \(reason)") }
                let dropped = Set(catalog.dropped.map(\.name))
                if !dropped.isEmpty { tools.removeAll { dropped.contains($0["name"]?.stringValue ?? "") } }
                self.toolCatalog.withLock { $0 = catalog }
                completion(.success(tools))
            }
        }
        let listing = Listing(kind: kind, timeout: timeoutNanoseconds, deadline: maxTotalNanoseconds.map { clock.nowNanoseconds() &+ $0 })
        listPage(listing, cursor: nil, collected: [], seen: [], completion: finish)
    }

    /// Extra HTTP headers for an outgoing request: `Mcp-Param-*` mirrored from a tool call's arguments.
    public func parameterHeaders(method: String, params: JSONValue?) -> [(name: String, value: String)] {
        guard method == "tools/call", let name = params?["name"]?.stringValue,
              let mirrors = toolCatalog.withLock({ $0.headerMirrors.isEmpty ? nil : $0.headerMirrors[name] })  // most have none: no hashing
        else { return [] }
        return ParameterHeaders.headers(mirrors, arguments: params?["arguments"])
    }

    public func listTools(timeoutNanoseconds: UInt64?, completion: @escaping Completion<[JSONValue]>) {
        list(.tools, timeoutNanoseconds: timeoutNanoseconds, completion: completion)
    }

    static let maxPages = 1000
    static let maxListItems = 100_000

    private struct Listing { let kind: ListKind; let timeout: UInt64?; let deadline: UInt64? }

    private func listPage(
        _ listing: Listing, cursor: String?, collected: [JSONValue], seen: Set<String>, completion: @escaping Completion<[JSONValue]>
    ) {
        let method = listing.kind.rawValue
        var timeout = listing.timeout
        if let deadline = listing.deadline {
            let now = clock.nowNanoseconds()
            guard deadline > now else {
                completion(.failure(MCPError(.timeout, "\(method) did not finish within its total time (\(collected.count) items so far)",
                    details: ["method": .string(method), "items": .int(Int64(collected.count))])))
                return
            }
            timeout = min(timeout ?? .max, deadline - now)
        }
        var params: JSONObject = [:]
        if let cursor { params["cursor"] = .string(cursor) }
        _ = request(method: method, params: params, timeoutNanoseconds: timeout) { [weak self] result in
            switch result {
            case .failure(let error): completion(.failure(error))
            case .success(let value):
                let items = collected + (value[listing.kind.key]?.arrayValue ?? []).map(Icons.sanitize)
                guard items.count <= Self.maxListItems else {
                    completion(.failure(MCPError(.protocolError, "\(method) returned more than \(Self.maxListItems) items", source: .peer,
                        details: ["method": .string(method), "items": .int(Int64(items.count))])))
                    return
                }
                guard let next = value["nextCursor"]?.stringValue else { completion(.success(items)); return }
                // `seen` holds a cursor per page after the first: this page is page `seen.count + 1`.
                guard !seen.contains(next), seen.count + 1 < Self.maxPages else {
                    completion(.failure(MCPError(.protocolError, "\(method) pagination does not end (cursor repeated or more than \(Self.maxPages) pages)", source: .peer,
                        details: ["method": .string(method), "pages": .int(Int64(seen.count + 1)), "limit": .int(Int64(Self.maxPages))])))
                    return
                }
                self?.listPage(listing, cursor: next, collected: items, seen: seen.union([next]), completion: completion)
            }
        }
    }

    /// `tools/call`. A tool's own failure is a successful result with `isError: true`.
    @discardableResult
    public func callTool(
        name: String, arguments: JSONValue, timeoutNanoseconds: UInt64?, progress: RPCSession.ProgressHandler?,
        completion: @escaping RPCSession.Completion
    ) -> RequestHandle {
        request(method: "tools/call", params: ["name": .string(name), "arguments": arguments], timeoutNanoseconds: timeoutNanoseconds,
            progress: progress, completion: completion)
    }

    public func close(completion: @escaping @Sendable () -> Void) {
        rpc.close(completion: completion)
    }

    /// Finishes closing a transport that already failed on its own. Unlike `close`, pending requests are left to
    /// the failure, which hands them its own error (exit status, stderr), not a plain "closed".
    public func closeAfterFailure(completion: @escaping @Sendable () -> Void) {
        rpc.transport.close(completion: completion)
    }
}

/// True for the first caller of `claim` only.
final class FirstCall: Sendable {
    private let claimed = Atomic<Bool>(false)
    func claim() -> Bool { !claimed.exchange(true, ordering: .acquiringAndReleasing) }
}
