public import MCPClientCore

/// Whether `tools/call` may become a task (`io.modelcontextprotocol/tasks`). A host opts in; the server decides.
public enum TaskMode: String, Sendable, CaseIterable {
    /// Never declare the extension: servers must answer directly (or with -32021).
    case off
    /// Declare it only when a server answers -32021 asking for it, then re-send.
    case whenRequired = "when_required"
    /// Declare it on every `tools/call`.
    case always
}

extension ClientSession {
    public typealias TaskUpdateHandler = @Sendable (JSONObject) -> Void

    public static let tasksExtension = "io.modelcontextprotocol/tasks"
    /// Bounds on the server's `pollIntervalMs`, so a typo neither spins nor stalls the client.
    static let pollIntervalBounds: ClosedRange<Int64> = 10...60_000
    static let defaultPollIntervalMs: Int64 = 1_000

    /// Whether a `tools/call` opts in. Modern servers decide per call, so only the host's mode matters; a handshake-era
    /// server says per tool (`execution.taskSupport` in tools/list) and must advertise `tasks.requests.tools.call`.
    func wantsTask(tool: String?) -> Bool {
        guard options.tasks != .off else { return false }
        guard era == .legacy, let server else { return options.tasks == .always }  // the era alone: no description copied
        guard server.capabilities["tasks"]?["requests"]?["tools"]?["call"] != nil, let tool else { return false }
        switch toolCatalog.withLock({ $0.taskSupport[tool] }) {
        case "required": return true
        case "optional": return options.tasks == .always
        default: return false
        }
    }

    static func requiresTasks(_ error: MCPError) -> Bool {
        error.details["rpc"]?["data"]?["requiredCapabilities"]?["extensions"]?[tasksExtension] != nil
    }

    /// Continues a task a host persisted (e.g. across a restart): polls `taskId` until it ends, like a call that
    /// just created it. The completion gets the tool result.
    @discardableResult
    public func resumeTask(
        _ taskID: String, timeoutNanoseconds: UInt64?, maxTotalNanoseconds: UInt64?, taskUpdate: TaskUpdateHandler?,
        completion: @escaping RPCSession.Completion
    ) -> RequestHandle {
        let handle = RequestHandle(rpc: rpc, completion: completion)
        let call = Call(
            handle: handle, method: "tools/call", params: [:], timeout: timeoutNanoseconds, maxTotal: maxTotalNanoseconds, progress: nil,
            batched: false, passesOn: false, optInTasks: true, taskUpdate: taskUpdate, started: clock.nowNanoseconds())
        watchTask(call, taskID: taskID)
        pollTask(call, taskID: taskID, afterMs: 0, intervalMs: Self.defaultPollIntervalMs, answered: [], lastStatus: nil)
        return handle
    }

    /// A `tools/call` answered with a CreateTaskResult: report it, then poll until it ends.
    func followTask(_ call: Call, created: JSONValue) {
        guard let taskID = created["taskId"]?.stringValue, let status = created["status"]?.stringValue else {
            call.handle.finish(.failure(MCPError(.protocolError, "a task result needs a string taskId and status", source: .peer,
                details: ["result": created])))
            return
        }
        watchTask(call, taskID: taskID)
        call.taskUpdate?(Self.taskSummary(created))
        handleTaskState(call, taskID: taskID, state: created, intervalMs: Self.defaultPollIntervalMs, answered: [], lastStatus: status, created: true)
    }

    /// Cancelling the call cancels the task (cooperatively; `notifications/cancelled` must not be used for tasks).
    private func watchTask(_ call: Call, taskID: String) {
        call.handle.setCancelHook { [weak self] in
            guard let self else { return }
            self.rpc.request(method: "tasks/cancel", params: self.envelope(["taskId": .string(taskID)], id: 0, progress: false, optInTasks: true),
                timeoutNanoseconds: call.timeout) { _ in }
        }
    }

    private func pollTask(_ call: Call, taskID: String, afterMs: Int64, intervalMs: Int64, answered: Set<String>, lastStatus: String?) {
        let poll: @Sendable () -> Void = { [weak self] in
            guard let self else { call.handle.finish(.failure(.closed)); return }
            if let limit = call.maxTotal, self.clock.nowNanoseconds() &- call.started > limit {
                call.handle.cancel(MCPError(.timeout, "task \(taskID) did not finish within \(limit / 1_000_000) ms",
                    details: ["taskId": .string(taskID)]))
                return
            }
            let id = self.rpc.allocateID()
            guard call.handle.startRound(id: id) else { return }
            self.rpc.request(id: id, method: "tasks/get", params: self.envelope(["taskId": .string(taskID)], id: id, progress: false, optInTasks: true),
                timeoutNanoseconds: call.timeout) { [weak self] result in
                switch result {
                case .failure(let error): call.handle.finish(.failure(error))
                case .success(let state):
                    guard let self else { call.handle.finish(.failure(.closed)); return }
                    self.handleTaskState(call, taskID: taskID, state: state, intervalMs: intervalMs, answered: answered, lastStatus: lastStatus, created: false)
                }
            }
        }
        guard afterMs > 0 else { poll(); return }
        guard let scheduler = rpc.scheduler else {
            call.handle.finish(.failure(MCPError(.unsupported, "following a task needs a scheduler")))
            return
        }
        call.handle.awaitingInput()  // between polls nothing is in flight: a cancel goes straight to the hook
        _ = scheduler.schedule(afterNanoseconds: UInt64(afterMs) * 1_000_000, poll)
    }

    private func handleTaskState(
        _ call: Call, taskID: String, state: JSONValue, intervalMs previous: Int64, answered: Set<String>, lastStatus: String?, created: Bool
    ) {
        let status = state["status"]?.stringValue ?? ""
        if !created, status != lastStatus { call.taskUpdate?(Self.taskSummary(state)) }
        // The interval may change over the task's life; a poll that does not repeat it keeps the last one.
        let interval = (state["pollIntervalMs"]?.int64Value ?? state["pollInterval"]?.int64Value ?? previous).clamped(to: Self.pollIntervalBounds)
        let handle = call.handle
        // 2025-11-25: the result (and any input the task needs, as ordinary server requests) comes from tasks/result.
        if server?.era == .legacy, status == "completed" || status == "input_required" {
            fetchTaskResult(call, taskID: taskID, reported: created ? lastStatus : status)
            return
        }
        switch status {
        case "working":
            pollTask(call, taskID: taskID, afterMs: interval, intervalMs: interval, answered: answered, lastStatus: status)
        case "input_required":
            // The same request may be listed on several polls; the host is asked once per key.
            let requests = JSONObject((state["inputRequests"]?.objectValue ?? [:]).entries.filter { !answered.contains($0.key) })
            guard !requests.isEmpty else {
                pollTask(call, taskID: taskID, afterMs: interval, intervalMs: interval, answered: answered, lastStatus: status)
                return
            }
            askInput(requests, handle: handle) { [weak self] responses in
                guard let self else { handle.finish(.failure(.closed)); return }
                let params: JSONObject = ["taskId": .string(taskID), "inputResponses": .object(responses)]
                self.rpc.request(method: "tasks/update", params: self.envelope(params, id: 0, progress: false, optInTasks: true),
                    timeoutNanoseconds: call.timeout) { [weak self] result in
                    switch result {
                    case .failure(let error): handle.finish(.failure(error))
                    case .success:
                        self?.pollTask(call, taskID: taskID, afterMs: interval, intervalMs: interval, answered: answered.union(requests.keys), lastStatus: status)
                    }
                }
            }
        case "completed":
            handle.finish(checkedToolResult(call, Self.checkResultType(state["result"] ?? [:])))
        case "failed" where state["error"] == nil:
            handle.finish(.failure(MCPError(.protocolError, state["statusMessage"]?.stringValue ?? "task \(taskID) failed", source: .peer,
                details: ["taskId": .string(taskID)])))
        case "failed":
            let error = state["error"]
            handle.finish(.failure(MCPError.peer(
                code: error?["code"]?.int64Value ?? -32603, message: error?["message"]?.stringValue ?? "task \(taskID) failed", data: error?["data"])))
        case "cancelled":
            handle.finish(.failure(MCPError(.cancelled, "the server cancelled task \(taskID)", source: .peer, details: ["taskId": .string(taskID)])))
        default:
            handle.finish(.failure(MCPError(.protocolError, "task \(taskID) has unknown status '\(status)'", source: .peer,
                details: ["taskId": .string(taskID)])))
        }
    }

    /// Handshake era: `tasks/result` waits for the end; meanwhile the server may send requests (elicitation) that
    /// reach the host like any other.
    private func fetchTaskResult(_ call: Call, taskID: String, reported: String?) {
        let id = rpc.allocateID()
        guard call.handle.startRound(id: id) else { return }
        rpc.request(id: id, method: "tasks/result", params: ["taskId": .string(taskID)], timeoutNanoseconds: call.maxTotal) { [weak self] result in
            guard let self else { call.handle.finish(result); return }
            let status = result.failure == nil ? "completed" : "failed"
            if status != reported { call.taskUpdate?(["taskId": .string(taskID), "status": .string(status)]) }
            call.handle.finish(self.checkedToolResult(call, result.flatMap(Self.checkResultType)))
        }
    }

    /// What a host needs to show or persist a task: everything but the payloads. Handshake-era names (`ttl`,
    /// `pollInterval`) are given the 2026 names so hosts see one shape.
    static func taskSummary(_ state: JSONValue) -> JSONObject {
        var summary: JSONObject = [:]
        for (key, legacy) in [("taskId", ""), ("status", ""), ("statusMessage", ""), ("createdAt", ""), ("lastUpdatedAt", ""),
                              ("ttlMs", "ttl"), ("pollIntervalMs", "pollInterval")] {
            if let value = state[key] ?? (legacy.isEmpty ? nil : state[legacy]) { summary[key] = value }
        }
        return summary
    }
}
