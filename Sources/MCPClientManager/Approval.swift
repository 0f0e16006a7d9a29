public import MCPClientConfig
public import MCPClientCore

/// Whether a tool call needs the user's approval first (management.md §10.7). The server's config decides
/// (`requireApproval`; PandoraKit configs default to true, every other format to false); the tool's annotations
/// come from the server and are untrusted, so they can only add a requirement, never lift one.
public enum ApprovalPolicy {
    public enum Reason: String, Sendable {
        /// `requireApproval: true` (or a PandoraKit config that did not say).
        case config
        /// The tool says `destructiveHint: true` and not `readOnlyHint: true`.
        case destructiveHint = "destructive_hint"
    }

    /// The config's answer alone: explicit `requireApproval`, else PandoraKit's default (true), else false.
    public static func configRequires(_ config: ServerConfig) -> Bool {
        config.requireApproval ?? (config.source.format == "pandorakit")
    }

    /// Why a call to this tool needs approval, or nil when it does not. Only an explicit `destructiveHint: true`
    /// counts: the spec's default for a missing hint would make every unannotated tool need approval.
    public static func requirement(config: ServerConfig, annotations: JSONValue?) -> Reason? {
        if configRequires(config) { return .config }
        if annotations?["destructiveHint"]?.boolValue == true, annotations?["readOnlyHint"]?.boolValue != true { return .destructiveHint }
        return nil
    }

    /// The error a refused call gets: MCP_ERR_PERMISSION with `details.reason = "approval_required"`.
    public static func refusal(server: String, tool: String, modelName: String?, reason: Reason, requestID: UInt64) -> MCPError {
        var details: JSONObject = [
            "reason": "approval_required", "because": .string(reason.rawValue), "server": .string(server), "tool": .string(tool),
            "request_id": .int(Int64(truncatingIfNeeded: requestID)),
        ]
        if let modelName { details["modelName"] = .string(modelName) }
        return MCPError(.permission, "calling tool '\(tool)' on server '\(server)' needs the user's approval; call again with \"approved\": true once given",
            details: details)
    }
}

extension Manager {
    /// The approval gate before a tool call: nil lets the call go ahead; otherwise an `approval_required` event
    /// (never dropped) has been pushed and the returned error is the call's outcome. `approved` is the host saying the
    /// user agreed to this call. The server must be registered (an unknown one passes here and fails in the call).
    public func approvalRefusal(
        server: String, tool: String, arguments: JSONValue, annotations: JSONValue?, approved: Bool, modelName: String? = nil,
        requestID: UInt64? = nil, user: String? = nil
    ) -> MCPError? {
        guard !approved, let config = entry(server)?.config, let reason = ApprovalPolicy.requirement(config: config, annotations: annotations)
        else { return nil }
        let id = requestID ?? allocateRequestID()
        var event = eventHeader("approval_required", server, user)
        event["request_id"] = .int(Int64(truncatingIfNeeded: id))
        event["tool"] = .string(tool)
        if let modelName { event["modelName"] = .string(modelName) }
        event["arguments"] = arguments
        event["reason"] = .string(reason.rawValue)
        if let annotations { event["annotations"] = annotations }
        // Droppable: the refused call's error carries the same details, and a model retrying a refused tool must not
        // grow the queue without bound.
        events.push(.object(event), droppable: true)
        return ApprovalPolicy.refusal(server: server, tool: tool, modelName: modelName, reason: reason, requestID: id)
    }
}
