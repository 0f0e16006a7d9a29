import MCPClientCore
import MCPClientManager

// Tools across servers: one listing under model-facing names, calls by those names, and the result formatter
// (docs/abi/json.md, "Tools across servers").

/// Lists the tools of every registered server (or options_json.servers) under model-facing names:
/// {"version":1,"naming","tools":[…],"servers":{name:{status,…}},"collisions":[…]}. Servers connect on demand,
/// three at a time by default; a server that fails appears in "servers" with its error and never hides the others.
/// The name map is kept for mcp_manager_call_model_tool. options_json: {"servers","style","delimiter","charset",
/// "maxLength","timeoutMs","concurrency"}.
/// Ownership: free *out_tools_json and *out_error_json with mcp_string_free().
/// NULL: manager and out_tools_json required; options_json may be NULL for defaults; out_error_json may be NULL.
/// Threads: any host thread (blocking).
@c(mcp_manager_list_all_tools)
public func mcpManagerListAllTools(
    _ manager: OpaquePointer?, _ options_json: UnsafePointer<CChar>?, _ out_tools_json: OutString?, _ out_error_json: OutString?
) -> mcp_status {
    out_tools_json?.pointee = nil
    return boundary(out_error_json) { () throws(MCPError) in
        try requireOut(out_tools_json, "out_tools_json")
        let handle = try HandleRegistry.handle(manager)
        let instance = handle.manager
        let options = try ToolListingOptions.parse(try jsonObject(options_json, "options_json"))
        try result(instance.blocking { instance.listAllTools(options, as: handle.caller, completion: $0) }, to: out_tools_json)
    }
}

/// Calls a tool by its model-facing name from the last mcp_manager_list_all_tools (an unknown name lists again):
/// {"version":1,"server","tool","modelName","result":{…},"formatted"?}. A tool that needs approval (config
/// requireApproval, PandoraKit's default, or destructiveHint) fails with MCP_ERR_PERMISSION and details.reason
/// "approval_required" after an approval_required event, unless options_json has "approved": true.
/// options_json: {"approved","timeoutMs","format","maxArtifactBytes","style","delimiter","charset","maxLength"}.
/// Ownership: free *out_result_json and *out_error_json with mcp_string_free().
/// NULL: manager, model_name and out_result_json required; arguments_json NULL means {}; options_json may be NULL;
/// out_error_json may be NULL.
/// Threads: any host thread (blocking); many threads may call at once.
@c(mcp_manager_call_model_tool)
public func mcpManagerCallModelTool(
    _ manager: OpaquePointer?, _ model_name: UnsafePointer<CChar>?, _ arguments_json: UnsafePointer<CChar>?,
    _ options_json: UnsafePointer<CChar>?, _ out_result_json: OutString?, _ out_error_json: OutString?
) -> mcp_status {
    out_result_json?.pointee = nil
    return boundary(out_error_json) { () throws(MCPError) in
        try requireOut(out_result_json, "out_result_json")
        let handle = try HandleRegistry.handle(manager)
        let instance = handle.manager
        let name = try string(model_name, "model_name")
        let arguments = JSONValue.object(try jsonObject(arguments_json, "arguments_json"))
        let options = try Manager.ModelToolCallOptions.parse(try jsonObject(options_json, "options_json"))
        try result(instance.callModelToolBlocking(name, arguments: arguments, options: options, as: handle.caller), to: out_result_json)
    }
}

/// Formats a tools/call result (or a mcp_manager_call_tool payload) for a model: {"version":1,"isError","text",
/// "content","structuredContent"?,"structuredValid"?,"artifacts":{"images","audio","resources","links","ui"}}.
/// options_json: {"maxArtifactBytes":10485760,"outputSchema"?}.
/// Ownership: free *out_json and *out_error_json with mcp_string_free().
/// NULL: result_json and out_json required; options_json may be NULL; out_error_json may be NULL.
/// Threads: any thread.
@c(mcp_tool_result_format)
public func mcpToolResultFormat(
    _ result_json: UnsafePointer<CChar>?, _ options_json: UnsafePointer<CChar>?, _ out_json: OutString?, _ out_error_json: OutString?
) -> mcp_status {
    out_json?.pointee = nil
    return boundary(out_error_json) { () throws(MCPError) in
        try requireOut(out_json, "out_json")
        let options = try ToolResultFormatter.Options.parse(try jsonObject(options_json, "options_json"))
        try write(try ToolResultFormatter.format(try json(result_json, "result_json"), options: options), to: out_json)
    }
}

/// The model-facing name of one tool: {"version":1,"server","tool","modelName","shortened","normalizedServer"}.
/// A single name, without the collision handling of a listing. options_json: {"style","delimiter","charset","maxLength"}.
/// Ownership: free *out_json and *out_error_json with mcp_string_free().
/// NULL: server, tool and out_json required; options_json may be NULL; out_error_json may be NULL.
/// Threads: any thread.
@c(mcp_tool_model_name)
public func mcpToolModelName(
    _ server: UnsafePointer<CChar>?, _ tool: UnsafePointer<CChar>?, _ options_json: UnsafePointer<CChar>?, _ out_json: OutString?,
    _ out_error_json: OutString?
) -> mcp_status {
    out_json?.pointee = nil
    return boundary(out_error_json) { () throws(MCPError) in
        try requireOut(out_json, "out_json")
        let serverName = try string(server, "server")
        let toolName = try string(tool, "tool")
        let object = try jsonObject(options_json, "options_json")
        let known: Set<String> = ["version", "style", "delimiter", "charset", "maxLength"]
        if let unknown = object.keys.first(where: { !known.contains($0) }) {
            throw MCPError.invalid("unknown option '\(unknown)'", details: ["path": .string(unknown)])
        }
        try PayloadVersion.check(object)
        let options = try ToolNamingOptions.parse(object)
        let named = ToolNaming.modelName(server: serverName, tool: toolName, options: options)
        try write([
            "version": 1, "server": .string(serverName), "tool": .string(toolName), "modelName": .string(named.name),
            "shortened": .bool(named.shortened), "normalizedServer": .string(ToolNaming.normalizeServerName(serverName)),
        ], to: out_json)
    }
}
