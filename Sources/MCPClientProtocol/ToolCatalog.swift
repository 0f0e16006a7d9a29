import MCPClientCore

/// What `tools/list` said about each tool that later calls need: the compiled `outputSchema` (to validate
/// `structuredContent`) and, for handshake-era servers, `execution.taskSupport`. Rebuilt on every full listing,
/// emptied when the server announces that its tools changed.
struct ToolCatalog {
    var outputSchemas: [String: JSONSchema] = [:]
    var taskSupport: [String: String] = [:]
    /// `x-mcp-header` properties per tool, mirrored into `Mcp-Param-*` headers over HTTP.
    var headerMirrors: [String: [ParameterHeaders.Mirror]] = [:]

    /// Tools whose `x-mcp-header` annotations are invalid (with why), when headers are mirrored: they are not offered.
    var dropped: [(name: String, reason: String)] = []

    init() {}

    /// Schemas are compiled only when results are validated; annotations are only read when headers are mirrored.
    init(tools: [JSONValue], validateOutput: Bool, mirrorHeaders: Bool) {
        for tool in tools {
            guard let name = tool["name"]?.stringValue else { continue }
            if mirrorHeaders, let schema = tool["inputSchema"] {
                switch ParameterHeaders.mirrors(of: schema) {
                case .success(let mirrors): if !mirrors.isEmpty { headerMirrors[name] = mirrors }
                case .failure(let problem):
                    dropped.append((name, problem.message))
                    continue
                }
            }
            if validateOutput, let schema = tool["outputSchema"], schema.objectValue != nil { outputSchemas[name] = JSONSchema(schema) }
            if let support = tool["execution"]?["taskSupport"]?.stringValue { taskSupport[name] = support }
        }
    }
}

extension ClientSession {
    /// A tool result checked against the tool's declared `outputSchema`. Results that are tool errors, tools
    /// without a schema (or not listed yet) and schemas the validator cannot decide on pass unchanged.
    func checkedToolResult(_ call: Call, _ result: Result<JSONValue, MCPError>) -> Result<JSONValue, MCPError> {
        guard options.validateOutput, call.method == "tools/call", case .success(let received) = result, received["isError"]?.boolValue != true,
              let name = call.params["name"]?.stringValue, let schema = toolCatalog.withLock({ $0.outputSchemas[name] })
        else { return result }
        let value = JSONPassThrough.deepened(received)  // validated (and maybe quoted in the error) whole
        guard let structured = value["structuredContent"] else {
            return .failure(MCPError(.protocolError, "tool '\(name)' declares an outputSchema but returned no structuredContent",
                source: .peer, details: ["tool": .string(name), "result": value]))
        }
        guard case .invalid(let violations) = schema.validate(structured) else { return .success(value) }
        let first = violations.first.map { " (\($0.instancePath.isEmpty ? "/" : $0.instancePath): \($0.message))" } ?? ""
        return .failure(MCPError(.protocolError, "the structuredContent of tool '\(name)' does not match its outputSchema\(first)",
            source: .peer, details: [
                "tool": .string(name),
                "violations": .array(violations.map { ["instancePath": .string($0.instancePath), "keywordLocation": .string($0.keywordLocation),
                                                       "message": .string($0.message)] }),
                "result": value,
            ]))
    }
}
