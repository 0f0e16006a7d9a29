import MCPClientConfig
public import MCPClientCore
import MCPClientProtocol
import MCPClientTransport

/// Tools across servers: one listing of every server's tools under model-facing names, and calls by those names
/// (management.md §9-11). Built on the manager's public operations (connect, list, callTool).
extension Manager {
    /// One server's part of a listing.
    struct ServerTools: Sendable {
        var name: String
        var status: String
        var error: MCPError?
        var serverInstructions: String?
        var tools: [JSONValue] = []
    }

    /// Every server's tools, named for a model:
    /// `{"version":1, "naming":{…}, "tools":[…], "servers":{name:{…}}, "collisions":[…]}` (docs/abi/json.md).
    /// Servers connect on demand, `options.concurrency` at a time; a server that fails is reported in `servers`
    /// with its error and never hides the others. Fails only when the manager is closed.
    public func listAllTools(_ options: ToolListingOptions, as caller: CallContext = .host, completion: @escaping Completion) {
        if isClosed { completion(.failure(.closed)); return }
        // Every server the caller may use (others' private servers are not even named), or the ones asked for.
        let names = Array(Set(options.servers ?? serverNames.filter { name in
            entry(name).map { (try? checkUse($0, caller)) != nil } ?? false
        })).sorted()
        let directory = toolDirectory(for: caller)
        let generation = directory.changes
        let gather = FanOut(count: names.count, limit: options.concurrency) { [weak self] (results: [ServerTools]) in
            guard let self else { completion(.failure(.closed)); return }
            completion(.success(self.assembleListing(results, naming: options.naming, directory: directory, generation: generation)))
        }
        gather.start { [weak self] index, done in
            guard let self else { done(ServerTools(name: names[index], status: "error", error: .closed)); return }
            self.serverTools(names[index], timeoutMs: options.timeoutMs, as: caller, completion: done)
        }
    }

    /// Connects (on demand) and lists one server, within `timeoutMs` when it is positive.
    private func serverTools(_ name: String, timeoutMs: Int, as caller: CallContext, completion: @escaping @Sendable (ServerTools) -> Void) {
        guard let config = entry(name)?.config else {
            completion(ServerTools(name: name, status: "error", error: unknownServer(name)))
            return
        }
        guard config.enabled else { completion(ServerTools(name: name, status: "disabled")); return }
        let once = Once(completion)
        if timeoutMs > 0 {
            let timer = loop.schedule(afterNanoseconds: UInt64(timeoutMs) * 1_000_000) {
                once.deliver(ServerTools(name: name, status: "error", error: MCPError(.timeout,
                    "server '\(name)' did not connect and list its tools within \(timeoutMs) ms",
                    details: ["server": .string(name), "timeout_ms": .int(Int64(timeoutMs))])))
            }
            once.onDeliver { [weak self] in self?.loop.cancelTimer(timer) }
        }
        connect(server: name, as: caller) { [weak self] connected in
            guard let self else { once.deliver(ServerTools(name: name, status: "error", error: .closed)); return }
            switch connected {
            case .failure(let error):
                once.deliver(ServerTools(name: name, status: "error", error: error))
            case .success(let info):
                let instructions = info["instructions"]?.stringValue
                self.list(.tools, server: name, as: caller) { listed in
                    switch listed {
                    case .failure(let error):
                        once.deliver(ServerTools(name: name, status: "error", error: error, serverInstructions: instructions))
                    case .success(let payload):
                        once.deliver(ServerTools(name: name, status: "ok", serverInstructions: instructions, tools: payload["tools"]?.arrayValue ?? []))
                    }
                }
            }
        }
    }

    /// Names every tool (servers in name order, tools in listing order), records the map, and builds the document.
    private func assembleListing(_ results: [ServerTools], naming: ToolNamingOptions, directory: ToolDirectory, generation: UInt64) -> JSONValue {
        var table = ToolNameTable(options: naming)
        var tools: [JSONValue] = []
        var known: [String: ToolDirectory.Tool] = [:]
        var servers = JSONObject()
        for result in results {
            let config = entry(result.name)?.config
            var count = 0
            for tool in result.tools {
                guard let name = tool["name"]?.stringValue, !name.isEmpty, let named = table.add(server: result.name, tool: name) else { continue }
                count += 1
                let annotations = tool["annotations"].flatMap { $0.objectValue == nil ? nil : $0 }
                let outputSchema = tool["outputSchema"].flatMap { $0.objectValue == nil ? nil : $0 }
                var object: JSONObject = ["modelName": .string(named.modelName), "serverName": .string(result.name), "name": .string(name)]
                if let title = tool["title"] { object["title"] = title }
                object["description"] = tool["description"]?.stringValue.map(JSONValue.string) ?? ""
                object["inputSchema"] = tool["inputSchema"] ?? ["type": "object"]
                if let outputSchema { object["outputSchema"] = outputSchema }
                if let annotations { object["annotations"] = annotations }
                if let config {
                    object["requireApproval"] = .bool(ApprovalPolicy.requirement(config: config, annotations: annotations) != nil)
                }
                if named.shortened { object["shortened"] = true }
                if named.renamed { object["renamed"] = true }
                tools.append(.object(object))
                known[named.modelName] = ToolDirectory.Tool(
                    server: result.name, tool: name, modelName: named.modelName, annotations: annotations, outputSchema: outputSchema)
            }
            servers[result.name] = .object(serverSection(result, config: config, toolCount: count))
        }
        directory.replace(ToolDirectory.Snapshot(naming: naming, tools: known, generation: generation))
        return [
            "version": 1, "naming": .object(naming.json), "tools": .array(tools), "servers": .object(servers),
            "collisions": .array(table.collisions.map(\.json)),
        ]
    }

    private func serverSection(_ result: ServerTools, config: ServerConfig?, toolCount: Int) -> JSONObject {
        var object: JSONObject = ["status": .string(result.status)]
        if let error = result.error { object["error"] = error.json }
        if let config {
            switch config.serverInstructions {
            case .none: break
            case .fromServer: if let text = result.serverInstructions { object["instructions"] = .string(text) }
            case .text(let text): object["instructions"] = .string(text)
            }
            if let title = config.title { object["title"] = .string(title) }
            object["chatMenu"] = .bool(config.chatMenu)
            if let icon = config.iconPath { object["iconPath"] = .string(icon) }
            object["requireApproval"] = .bool(ApprovalPolicy.configRequires(config))
        }
        object["toolCount"] = .int(Int64(toolCount))
        return object
    }

    // MARK: calls by model-facing name

    /// Options of `callModelTool`: `{"approved"?, "timeoutMs"?, "format"?, "maxArtifactBytes"?, naming keys?}`.
    public struct ModelToolCallOptions: Sendable {
        /// The user approved this call (needed for tools that require approval).
        public var approved = false
        public var timeoutMs = 0
        /// Add `formatted` (ToolResultFormatter's document) next to the raw result.
        public var format = false
        public var maxArtifactBytes = 10 << 20
        /// Naming for a fresh listing when the name is unknown (nil: the last listing's).
        public var naming: ToolNamingOptions?

        public init() {}

        public static func parse(_ object: JSONObject) throws(MCPError) -> ModelToolCallOptions {
            let naming: Set<String> = ["style", "delimiter", "charset", "maxLength"]
            let known = naming.union(["version", "approved", "timeoutMs", "format", "maxArtifactBytes"])
            if let unknown = object.keys.first(where: { !known.contains($0) }) {
                throw MCPError.invalid("unknown option '\(unknown)'", details: ["path": .string(unknown)])
            }
            try PayloadVersion.check(object)
            var options = ModelToolCallOptions()
            for (key, path) in [("approved", \ModelToolCallOptions.approved), ("format", \ModelToolCallOptions.format)] {
                guard let value = object[key] else { continue }
                guard let flag = value.boolValue else { throw MCPError.invalid("'\(key)' must be a boolean", details: ["path": .string(key)]) }
                options[keyPath: path] = flag
            }
            if let value = object["timeoutMs"] {
                guard let ms = value.int64Value, ms >= 0, ms <= Int64(Int32.max) else {
                    throw MCPError.invalid("'timeoutMs' must be a non-negative integer", details: ["path": "timeoutMs"])
                }
                options.timeoutMs = Int(ms)
            }
            options.maxArtifactBytes = try ToolResultFormatter.Options.parse(object, extraKeys: known).maxArtifactBytes
            if object.keys.contains(where: naming.contains) { options.naming = try ToolNamingOptions.parse(object) }
            return options
        }
    }

    /// The tool behind a model-facing name: from the last listing, or from a fresh one when the name is unknown
    /// there (or the naming asked for differs from the last listing's).
    func resolveModelTool(
        _ modelName: String, naming: ToolNamingOptions?, as caller: CallContext, completion: @escaping @Sendable (Result<ToolDirectory.Tool, MCPError>) -> Void
    ) {
        let directory = toolDirectory(for: caller)
        let current = directory.naming
        if let tool = directory.lookup(modelName), naming == nil || naming == current {
            completion(.success(tool))
            return
        }
        var options = ToolListingOptions()
        options.naming = naming ?? current ?? ToolNamingOptions()
        guard !directory.isCurrent(naming: options.naming) else {
            completion(.failure(MCPError.notFound("no tool is named '\(modelName)' in the listing of every server",
                details: ["modelName": .string(modelName)])))
            return
        }
        listAllTools(options, as: caller) { listed in
            if case .failure(let error) = listed { completion(.failure(error)); return }
            guard let tool = directory.lookup(modelName) else {
                completion(.failure(MCPError.notFound("no tool is named '\(modelName)' in the listing of every server",
                    details: ["modelName": .string(modelName)])))
                return
            }
            completion(.success(tool))
        }
    }

    /// Calls a tool by its model-facing name: `{"version":1, "server", "tool", "modelName", "result":{…}, "formatted"?}`.
    /// A tool that needs approval fails with MCP_ERR_PERMISSION (`details.reason = "approval_required"`) after an
    /// `approval_required` event, unless `options.approved`.
    public func callModelTool(
        _ modelName: String, arguments: JSONValue, options: ModelToolCallOptions, as caller: CallContext = .host, completion: @escaping Completion
    ) {
        resolveModelTool(modelName, naming: options.naming, as: caller) { [weak self] resolved in
            guard let self else { completion(.failure(.closed)); return }
            switch resolved {
            case .failure(let error): completion(.failure(error))
            case .success(let tool):
                let requestID = self.allocateRequestID()
                if let refusal = self.approvalRefusal(server: tool.server, tool: tool.tool, arguments: arguments, annotations: tool.annotations,
                    approved: options.approved, modelName: modelName, requestID: requestID, user: caller.user) {
                    completion(.failure(refusal))
                    return
                }
                self.callTool(server: tool.server, tool: tool.tool, arguments: arguments, timeoutMs: options.timeoutMs, schedulerTimeout: true,
                    requestID: requestID, as: caller) { result in
                    completion(result.flatMap { payload in Self.modelToolPayload(payload, tool: tool, options: options) })
                }
            }
        }
    }

    /// The blocking form, for host threads: the call itself runs as `callToolBlocking` does.
    public func callModelToolBlocking(
        _ modelName: String, arguments: JSONValue, options: ModelToolCallOptions, as caller: CallContext = .host
    ) -> Result<JSONValue, MCPError> {
        let waiter = Waiter<Result<ToolDirectory.Tool, MCPError>>()
        resolveModelTool(modelName, naming: options.naming, as: caller) { waiter.resolve($0) }
        guard let resolved = waiter.wait(timeoutNanoseconds: nil) else { return .failure(MCPError(.generic, "tool lookup did not complete")) }
        let tool: ToolDirectory.Tool
        switch resolved {
        case .failure(let error): return .failure(error)
        case .success(let found): tool = found
        }
        if let refusal = approvalRefusal(server: tool.server, tool: tool.tool, arguments: arguments, annotations: tool.annotations,
            approved: options.approved, modelName: modelName, user: caller.user) {
            return .failure(refusal)
        }
        return callToolBlocking(server: tool.server, tool: tool.tool, arguments: arguments, timeoutMs: options.timeoutMs, as: caller)
            .flatMap { Self.modelToolPayload($0, tool: tool, options: options) }
    }

    /// The approval gate for calls by (server, tool), e.g. `submit`'s `call_tool` op: the tool's annotations come
    /// from the last aggregated listing, if any. Nil lets the call go ahead.
    public func approvalGate(
        server: String, tool: String, arguments: JSONValue, approved: Bool, requestID: UInt64, as caller: CallContext = .host
    ) -> MCPError? {
        approvalRefusal(server: server, tool: tool, arguments: arguments,
            annotations: existingToolDirectory(for: caller)?.annotations(server: server, tool: tool), approved: approved, requestID: requestID,
            user: caller.user)
    }

    private static func modelToolPayload(_ payload: JSONValue, tool: ToolDirectory.Tool, options: ModelToolCallOptions) -> Result<JSONValue, MCPError> {
        guard case .object(var object) = payload else { return .success(payload) }
        object["modelName"] = .string(tool.modelName)
        if options.format, let result = object["result"] {
            do {
                object["formatted"] = try ToolResultFormatter.format(
                    result, options: .init(maxArtifactBytes: options.maxArtifactBytes, outputSchema: tool.outputSchema))
            } catch {
                return .failure(error)
            }
        }
        return .success(.object(object))
    }
}

/// Delivers one value once; later deliveries are ignored. Runs `onDeliver` hooks after the first.
final class Once<Value: Sendable>: @unchecked Sendable {
    private struct State {
        var done = false
        var hooks: [Hook] = []
    }

    private struct Hook { var run: @Sendable () -> Void }

    private let state = Locked(State())
    private let completion: @Sendable (Value) -> Void

    init(_ completion: @escaping @Sendable (Value) -> Void) { self.completion = completion }

    func deliver(_ value: Value) {
        let hooks = state.withLock { state -> [Hook]? in
            guard !state.done else { return nil }
            state.done = true
            return state.hooks
        }
        guard let hooks else { return }
        for hook in hooks { hook.run() }
        completion(value)
    }

    /// Runs `hook` when the value is delivered (at once if it already was).
    func onDeliver(_ hook: @escaping @Sendable () -> Void) {
        let already = state.withLock { state -> Bool in
            if !state.done { state.hooks.append(Hook(run: hook)) }
            return state.done
        }
        if already { hook() }
    }
}

/// Runs `count` jobs at most `limit` at a time and completes with every result in job order. Jobs are started by a
/// loop, not by recursion, so jobs that finish at once cannot deepen the stack.
final class FanOut<Value: Sendable>: @unchecked Sendable {
    private struct State {
        var next = 0
        var remaining: Int
        var results: [Value?]
        /// Starts owed (one per free slot) and whether some thread is running the start loop.
        var owed = 0
        var pumping = false
        var job: JobBox?
    }

    private struct JobBox { var run: @Sendable (Int, @escaping @Sendable (Value) -> Void) -> Void }

    private let count: Int
    private let limit: Int
    private let state: Locked<State>
    private let completion: @Sendable ([Value]) -> Void

    init(count: Int, limit: Int, completion: @escaping @Sendable ([Value]) -> Void) {
        self.count = count
        self.limit = max(1, limit)
        state = Locked(State(remaining: count, results: Array(repeating: nil, count: count)))
        self.completion = completion
    }

    func start(_ run: @escaping @Sendable (Int, @escaping @Sendable (Value) -> Void) -> Void) {
        guard count > 0 else { completion([]); return }
        state.withLock { $0.job = JobBox(run: run) }
        launch(slots: min(limit, count))
    }

    private func launch(slots: Int) {
        let owner = state.withLock { state -> Bool in
            state.owed += slots
            guard !state.pumping else { return false }
            state.pumping = true
            return true
        }
        guard owner else { return }
        while let (index, job) = state.withLock({ state -> (Int, JobBox)? in
            while state.owed > 0 {
                state.owed -= 1
                if state.next < count, let job = state.job {
                    defer { state.next += 1 }
                    return (state.next, job)
                }
            }
            state.pumping = false
            return nil
        }) {
            job.run(index) { [self] value in finish(index, value) }
        }
    }

    private enum Next { case ignore, startAnother, complete([Value]) }

    private func finish(_ index: Int, _ value: Value) {
        let next = state.withLock { state -> Next in
            guard index < state.results.count, state.results[index] == nil else { return .ignore }
            state.results[index] = value
            state.remaining -= 1
            guard state.remaining == 0 else { return .startAnother }
            state.job = nil  // the job closure may hold what started it
            return .complete(state.results.compactMap { $0 })
        }
        switch next {
        case .ignore: break
        case .startAnother: launch(slots: 1)
        case .complete(let all): completion(all)
        }
    }
}
