import Glibc
import MCPClientCore
import MCPClientManager
import MCPClientProtocol

// The C surface. Every function validates its arguments and converts every error at this boundary.

private nonisolated(unsafe) let versionCString: UnsafePointer<CChar>? = UnsafePointer(strdup(MCPClientVersion.string))

/// The library version as "MAJOR.MINOR.PATCH".
/// Ownership: the string is static; do not free it.
/// NULL: never returns NULL.
/// Threads: any thread.
@c(mcp_version)
public func mcpVersion() -> UnsafePointer<CChar> {
    let unknown: StaticString = "unknown"  // only if the one-time copy failed for lack of memory
    return versionCString ?? UnsafeRawPointer(unknown.utf8Start).assumingMemoryBound(to: CChar.self)
}

/// The library version as MAJOR*10000 + MINOR*100 + PATCH; compare with MCP_VERSION_NUMBER.
/// Ownership: nothing to free.
/// NULL: not applicable.
/// Threads: any thread.
@c(mcp_version_number)
public func mcpVersionNumber() -> Int32 {
    MCPClientVersion.number
}

/// A static English description of a status code.
/// Ownership: the string is static; do not free it.
/// NULL: never returns NULL (unknown codes get "unknown status").
/// Threads: any thread.
@c(mcp_status_str)
public func mcpStatusString(_ status: mcp_status) -> UnsafePointer<CChar> {
    // C may pass any int; switching on an out-of-range @c enum is undefined, so read the raw value first.
    let raw = withUnsafeBytes(of: status) { $0.load(as: Int32.self) }
    let text: StaticString = mcp_status(rawValue: raw)?.staticDescription ?? "unknown status"
    return UnsafeRawPointer(text.utf8Start).assumingMemoryBound(to: CChar.self)
}

/// Frees a string returned by this library. Never use free() on such strings.
/// Ownership: takes ownership of str.
/// NULL: str may be NULL (no-op).
/// Threads: any thread.
@c(mcp_string_free)
public func mcpStringFree(_ str: UnsafeMutablePointer<CChar>?) {
    free(str)
}

/// Creates a manager (many servers, one event queue) from options JSON, e.g. {"clientInfo":{"name":"app","version":"1"}}.
/// Ownership: free *out_manager with mcp_manager_free(); free *out_error_json with mcp_string_free().
/// NULL: out_manager required; options_json may be NULL for defaults; out_error_json may be NULL.
/// Threads: any thread.
@c(mcp_manager_new)
public func mcpManagerNew(
    _ out_manager: UnsafeMutablePointer<OpaquePointer?>?, _ options_json: UnsafePointer<CChar>?, _ out_error_json: OutString?
) -> mcp_status {
    out_manager?.pointee = nil
    return boundary(out_error_json) { () throws(MCPError) in
        try requireOut(out_manager, "out_manager")
        let options = try ManagerOptions.parse(try json(options_json, "options_json", fallback: .null))
        out_manager?.pointee = try HandleRegistry.insert(ManagerHandle(try Manager(options: options)))
    }
}

/// Shuts the manager down: disconnects every server (waiting until their processes are gone), wakes
/// mcp_manager_next_event callers with MCP_ERR_CLOSED, and releases the handle. Calls racing this one fail
/// with MCP_ERR_CLOSED instead of crashing.
/// Ownership: the handle is invalid afterwards.
/// NULL: manager may be NULL (no-op).
/// Threads: any host thread; blocks for at most the servers' shutdown grace periods.
@c(mcp_manager_free)
public func mcpManagerFree(_ manager: OpaquePointer?) {
    // A user's view goes alone; the manager's own handle takes the manager (and every view's use of it) down.
    guard let manager, let handle = HandleRegistry.remove(manager), !handle.isView else { return }
    handle.manager.close()
}

/// Registers a server under a name. config_json is one server entry, e.g.
/// {"command":"python3","args":["server.py"],"env":{"KEY":"value"},"timeout":60000}.
/// Ownership: free *out_error_json with mcp_string_free().
/// NULL: manager, name and config_json required; out_error_json may be NULL.
/// Threads: any thread.
@c(mcp_manager_add_server)
public func mcpManagerAddServer(
    _ manager: OpaquePointer?, _ name: UnsafePointer<CChar>?, _ config_json: UnsafePointer<CChar>?, _ out_error_json: OutString?
) -> mcp_status {
    boundary(out_error_json) { () throws(MCPError) in
        let instance = try HandleRegistry.manager(manager)
        try instance.addServer(name: try string(name, "name"), config: try json(config_json, "config_json"))
    }
}

/// Disconnects and forgets a server.
/// Ownership: free *out_error_json with mcp_string_free().
/// NULL: manager and name required; out_error_json may be NULL.
/// Threads: any host thread; blocks until the server process is gone.
@c(mcp_manager_remove_server)
public func mcpManagerRemoveServer(_ manager: OpaquePointer?, _ name: UnsafePointer<CChar>?, _ out_error_json: OutString?) -> mcp_status {
    boundary(out_error_json) { () throws(MCPError) in
        let instance = try HandleRegistry.manager(manager)
        let server = try string(name, "name")
        try result(instance.blocking { done in
            instance.removeServer(name: server) { done($0.map { .null }) }
        }, to: nil)
    }
}

/// Connects to a server (starting its process and detecting its protocol era) and returns what it said about
/// itself: {"version":1,"server","era","protocolVersion","serverInfo","capabilities","instructions"?}.
/// Connecting is also done on demand by the calls below.
/// Ownership: free *out_info_json and *out_error_json with mcp_string_free().
/// NULL: manager and server required; out_info_json and out_error_json may be NULL.
/// Threads: any host thread (blocking).
@c(mcp_manager_connect)
public func mcpManagerConnect(
    _ manager: OpaquePointer?, _ server: UnsafePointer<CChar>?, _ out_info_json: OutString?, _ out_error_json: OutString?
) -> mcp_status {
    out_info_json?.pointee = nil
    return boundary(out_error_json) { () throws(MCPError) in
        let handle = try HandleRegistry.handle(manager)
        let name = try string(server, "server")
        try result(handle.manager.blocking { handle.manager.connect(server: name, as: handle.caller, completion: $0) }, to: out_info_json)
    }
}

/// Disconnects a server: closes its stdin, then SIGTERM and SIGKILL its process group if it lingers.
/// Ownership: free *out_error_json with mcp_string_free().
/// NULL: manager and server required; out_error_json may be NULL.
/// Threads: any host thread; blocks until the process is gone.
@c(mcp_manager_disconnect)
public func mcpManagerDisconnect(_ manager: OpaquePointer?, _ server: UnsafePointer<CChar>?, _ out_error_json: OutString?) -> mcp_status {
    boundary(out_error_json) { () throws(MCPError) in
        let handle = try HandleRegistry.handle(manager)
        let name = try string(server, "server")
        try result(handle.manager.blocking { done in handle.manager.disconnect(server: name, as: handle.caller) { done($0.map { .null }) } }, to: nil)
    }
}

/// Lists a server's tools (all pages): {"version":1,"server","tools":[…]}.
/// Ownership: free *out_tools_json and *out_error_json with mcp_string_free().
/// NULL: manager, server and out_tools_json required; out_error_json may be NULL.
/// Threads: any host thread (blocking).
@c(mcp_manager_list_tools)
public func mcpManagerListTools(
    _ manager: OpaquePointer?, _ server: UnsafePointer<CChar>?, _ out_tools_json: OutString?, _ out_error_json: OutString?
) -> mcp_status {
    out_tools_json?.pointee = nil
    return boundary(out_error_json) { () throws(MCPError) in
        try requireOut(out_tools_json, "out_tools_json")
        let handle = try HandleRegistry.handle(manager)
        let name = try string(server, "server")
        try result(handle.manager.blocking { handle.manager.list(.tools, server: name, as: handle.caller, completion: $0) }, to: out_tools_json)
    }
}

/// Calls a tool and returns {"version":1,"server","tool","result":{"content":[…],"isError":…}}. A tool that
/// fails still returns MCP_OK with result.isError true; JSON-RPC errors return MCP_ERR_PROTOCOL. On timeout the
/// server is sent notifications/cancelled and MCP_ERR_TIMEOUT is returned. Progress arrives as events.
/// Ownership: free *out_result_json and *out_error_json with mcp_string_free().
/// NULL: manager, server, tool and out_result_json required; arguments_json NULL means {}; out_error_json may be NULL.
/// Threads: any host thread (blocking); many threads may call at once.
@c(mcp_manager_call_tool)
public func mcpManagerCallTool(
    _ manager: OpaquePointer?, _ server: UnsafePointer<CChar>?, _ tool: UnsafePointer<CChar>?, _ arguments_json: UnsafePointer<CChar>?,
    _ timeout_ms: Int32, _ out_result_json: OutString?, _ out_error_json: OutString?
) -> mcp_status {
    out_result_json?.pointee = nil
    return boundary(out_error_json) { () throws(MCPError) in
        try requireOut(out_result_json, "out_result_json")
        let handle = try HandleRegistry.handle(manager)
        let serverName = try string(server, "server")
        let toolName = try string(tool, "tool")
        let arguments = JSONValue.object(try jsonObject(arguments_json, "arguments_json"))
        // Only written out here: the reply may be read shallow (`Manager.requestBlocking(passesOn:)`).
        let outcome = handle.manager.toolResultBlocking(
            server: serverName, tool: toolName, arguments: arguments, timeoutMs: Int(timeout_ms), as: handle.caller, passesOn: true)
        try writeToolResult(outcome, server: serverName, tool: toolName, to: out_result_json, copying: JSONPassThrough.take())
    }
}

/// Lists a server's resources (all pages): {"version":1,"server","resources":[…]}.
/// Ownership: free *out_resources_json and *out_error_json with mcp_string_free().
/// NULL: manager, server and out_resources_json required; out_error_json may be NULL.
/// Threads: any host thread (blocking).
@c(mcp_manager_list_resources)
public func mcpManagerListResources(
    _ manager: OpaquePointer?, _ server: UnsafePointer<CChar>?, _ out_resources_json: OutString?, _ out_error_json: OutString?
) -> mcp_status {
    listEntryPoint(.resources, manager, server, out_resources_json, out_error_json)
}

/// Lists a server's resource templates (all pages): {"version":1,"server","resourceTemplates":[…]}.
/// Ownership: free *out_templates_json and *out_error_json with mcp_string_free().
/// NULL: manager, server and out_templates_json required; out_error_json may be NULL.
/// Threads: any host thread (blocking).
@c(mcp_manager_list_resource_templates)
public func mcpManagerListResourceTemplates(
    _ manager: OpaquePointer?, _ server: UnsafePointer<CChar>?, _ out_templates_json: OutString?, _ out_error_json: OutString?
) -> mcp_status {
    listEntryPoint(.resourceTemplates, manager, server, out_templates_json, out_error_json)
}

/// Lists a server's prompts (all pages): {"version":1,"server","prompts":[…]}.
/// Ownership: free *out_prompts_json and *out_error_json with mcp_string_free().
/// NULL: manager, server and out_prompts_json required; out_error_json may be NULL.
/// Threads: any host thread (blocking).
@c(mcp_manager_list_prompts)
public func mcpManagerListPrompts(
    _ manager: OpaquePointer?, _ server: UnsafePointer<CChar>?, _ out_prompts_json: OutString?, _ out_error_json: OutString?
) -> mcp_status {
    listEntryPoint(.prompts, manager, server, out_prompts_json, out_error_json)
}

/// Reads a resource: {"version":1,"server","uri","result":{"contents":[{"uri","mimeType"?,"text"|"blob"}]}}.
/// Ownership: free *out_result_json and *out_error_json with mcp_string_free().
/// NULL: manager, server, uri and out_result_json required; out_error_json may be NULL.
/// Threads: any host thread (blocking).
@c(mcp_manager_read_resource)
public func mcpManagerReadResource(
    _ manager: OpaquePointer?, _ server: UnsafePointer<CChar>?, _ uri: UnsafePointer<CChar>?, _ timeout_ms: Int32,
    _ out_result_json: OutString?, _ out_error_json: OutString?
) -> mcp_status {
    requestEntryPoint(manager, server, timeout_ms, out_result_json, out_error_json) { () throws(MCPError) in
        let resource = try string(uri, "uri")
        return ("resources/read", ["uri": .string(resource)], "uri", resource, nil)
    }
}

/// Gets a prompt with its arguments: {"version":1,"server","prompt","result":{"description"?,"messages":[…]}}.
/// Ownership: free *out_result_json and *out_error_json with mcp_string_free().
/// NULL: manager, server, name and out_result_json required; arguments_json NULL means {}; out_error_json may be NULL.
/// Threads: any host thread (blocking).
@c(mcp_manager_get_prompt)
public func mcpManagerGetPrompt(
    _ manager: OpaquePointer?, _ server: UnsafePointer<CChar>?, _ name: UnsafePointer<CChar>?, _ arguments_json: UnsafePointer<CChar>?,
    _ timeout_ms: Int32, _ out_result_json: OutString?, _ out_error_json: OutString?
) -> mcp_status {
    requestEntryPoint(manager, server, timeout_ms, out_result_json, out_error_json) { () throws(MCPError) in
        let prompt = try string(name, "name")
        return ("prompts/get", ["name": .string(prompt), "arguments": .object(try jsonObject(arguments_json, "arguments_json"))], "prompt", prompt, nil)
    }
}

/// Sends any MCP method with the server era's envelope and returns {"version":1,"server","method","result":{…}}.
/// tools/call, resources/read and prompts/get get the input_required round trip; list methods return one page.
/// Ownership: free *out_result_json and *out_error_json with mcp_string_free().
/// NULL: manager, server, method and out_result_json required; params_json NULL means {}; out_error_json may be NULL.
/// Threads: any host thread (blocking).
@c(mcp_manager_request)
public func mcpManagerRequest(
    _ manager: OpaquePointer?, _ server: UnsafePointer<CChar>?, _ method: UnsafePointer<CChar>?, _ params_json: UnsafePointer<CChar>?,
    _ timeout_ms: Int32, _ out_result_json: OutString?, _ out_error_json: OutString?
) -> mcp_status {
    requestEntryPoint(manager, server, timeout_ms, out_result_json, out_error_json) { () throws(MCPError) in
        let methodName = try string(method, "method")
        return (methodName, try jsonObject(params_json, "params_json"), "method", methodName, nil)
    }
}

/// Sends a notification to a server, e.g. notifications/roots/list_changed when the host's roots changed
/// (handshake era). Connects first if needed; returns once the notification is written.
/// Ownership: free *out_error_json with mcp_string_free().
/// NULL: manager, server and method required; params_json may be NULL (no params); out_error_json may be NULL.
/// Threads: any host thread (blocking while connecting).
@c(mcp_manager_notify)
public func mcpManagerNotify(
    _ manager: OpaquePointer?, _ server: UnsafePointer<CChar>?, _ method: UnsafePointer<CChar>?, _ params_json: UnsafePointer<CChar>?,
    _ out_error_json: OutString?
) -> mcp_status {
    boundary(out_error_json) { () throws(MCPError) in
        let handle = try HandleRegistry.handle(manager)
        let serverName = try string(server, "server")
        let methodName = try string(method, "method")
        let params = params_json == nil ? nil : try jsonObject(params_json, "params_json")
        try result(handle.manager.blocking { handle.manager.notify(server: serverName, method: methodName, params: params, as: handle.caller, completion: $0) },
            to: nil)
    }
}

/// Subscribes to updates of a resource: `resource_updated` events {"server","uri"} follow whenever it changes.
/// Returns once the server granted it: {"version":1,"server","uri","subscribed":true}; a server that does not
/// support it (or left the URI out of its acknowledgement) gives MCP_ERR_UNSUPPORTED. The subscription is kept
/// across reconnects until mcp_manager_unsubscribe() or the server's removal.
/// Ownership: free *out_result_json and *out_error_json with mcp_string_free().
/// NULL: manager, server and uri required; out_result_json and out_error_json may be NULL.
/// Threads: any host thread (blocking).
@c(mcp_manager_subscribe)
public func mcpManagerSubscribe(
    _ manager: OpaquePointer?, _ server: UnsafePointer<CChar>?, _ uri: UnsafePointer<CChar>?, _ out_result_json: OutString?,
    _ out_error_json: OutString?
) -> mcp_status {
    subscriptionEntryPoint(subscribe: true, manager, server, uri, out_result_json, out_error_json)
}

/// Ends a resource subscription: {"version":1,"server","uri","subscribed":false}. Unknown URIs are not an error.
/// Ownership: free *out_result_json and *out_error_json with mcp_string_free().
/// NULL: manager, server and uri required; out_result_json and out_error_json may be NULL.
/// Threads: any host thread (blocking).
@c(mcp_manager_unsubscribe)
public func mcpManagerUnsubscribe(
    _ manager: OpaquePointer?, _ server: UnsafePointer<CChar>?, _ uri: UnsafePointer<CChar>?, _ out_result_json: OutString?,
    _ out_error_json: OutString?
) -> mcp_status {
    subscriptionEntryPoint(subscribe: false, manager, server, uri, out_result_json, out_error_json)
}

private func subscriptionEntryPoint(
    subscribe: Bool, _ manager: OpaquePointer?, _ server: UnsafePointer<CChar>?, _ uri: UnsafePointer<CChar>?, _ out: OutString?,
    _ outError: OutString?
) -> mcp_status {
    out?.pointee = nil
    return boundary(outError) { () throws(MCPError) in
        let handle = try HandleRegistry.handle(manager)
        let instance = handle.manager
        let name = try string(server, "server")
        let resource = try string(uri, "uri")
        try result(instance.blocking { done in
            if subscribe {
                instance.subscribe(server: name, uri: resource, as: handle.caller, completion: done)
            } else {
                instance.unsubscribe(server: name, uri: resource, as: handle.caller, completion: done)
            }
        }, to: out)
    }
}

/// Asks for argument completions (completion/complete). params_json is
/// {"ref":{"type":"ref/prompt","name":…}|{"type":"ref/resource","uri":…},"argument":{"name":…,"value":…},"context"?:{"arguments":{…}}};
/// returns {"version":1,"server","method":"completion/complete","result":{"completion":{"values":[…],"total"?,"hasMore"?}}}.
/// Ownership: free *out_result_json and *out_error_json with mcp_string_free().
/// NULL: manager, server, params_json and out_result_json required; out_error_json may be NULL.
/// Threads: any host thread (blocking).
@c(mcp_manager_complete)
public func mcpManagerComplete(
    _ manager: OpaquePointer?, _ server: UnsafePointer<CChar>?, _ params_json: UnsafePointer<CChar>?, _ timeout_ms: Int32,
    _ out_result_json: OutString?, _ out_error_json: OutString?
) -> mcp_status {
    requestEntryPoint(manager, server, timeout_ms, out_result_json, out_error_json) { () throws(MCPError) in
        guard params_json != nil else { throw MCPError.invalid("params_json must not be NULL", details: ["argument": "params_json"]) }
        let params = try CompletionRequest.validate(try jsonObject(params_json, "params_json"))
        return ("completion/complete", params, "method", "completion/complete", nil)
    }
}

/// Follows a task (tasks extension) that an earlier tool call created, e.g. after the host restarted with the
/// taskId it persisted from a `task` event: polls until the task ends, answering its input requests through
/// `request` events, and returns {"version":1,"server","task_id","result":{…the tool result…}}.
/// Ownership: free *out_result_json and *out_error_json with mcp_string_free().
/// NULL: manager, server, task_id and out_result_json required; out_error_json may be NULL.
/// Threads: any host thread (blocking).
@c(mcp_manager_resume_task)
public func mcpManagerResumeTask(
    _ manager: OpaquePointer?, _ server: UnsafePointer<CChar>?, _ task_id: UnsafePointer<CChar>?, _ timeout_ms: Int32,
    _ out_result_json: OutString?, _ out_error_json: OutString?
) -> mcp_status {
    requestEntryPoint(manager, server, timeout_ms, out_result_json, out_error_json) { () throws(MCPError) in
        let taskID = try string(task_id, "task_id")
        return ("tools/call", [:], "task_id", taskID, resumeTask: taskID)
    }
}

/// Expands an RFC 6570 URI template (level 4), e.g. a resource template's uriTemplate, with variables from a
/// JSON object (strings, numbers and booleans; arrays are lists, objects are associative arrays; null is undefined).
/// A malformed template gives MCP_ERR_INVALID with details.offset; an expansion over 1 MiB gives MCP_ERR_INVALID.
/// Ownership: free *out_uri and *out_error_json with mcp_string_free().
/// NULL: template_str and out_uri required; variables_json NULL means {}; out_error_json may be NULL.
/// Threads: any thread.
@c(mcp_uri_template_expand)
public func mcpURITemplateExpand(
    _ template_str: UnsafePointer<CChar>?, _ variables_json: UnsafePointer<CChar>?, _ out_uri: OutString?, _ out_error_json: OutString?
) -> mcp_status {
    out_uri?.pointee = nil
    return boundary(out_error_json) { () throws(MCPError) in
        try requireOut(out_uri, "out_uri")
        let template = try URITemplate(try string(template_str, "template_str"))
        let uri = try template.expandChecked(try jsonObject(variables_json, "variables_json"))
        guard let copy = allocate(Array(uri.utf8)) else { throw MCPError(.generic, "out of memory") }
        out_uri?.pointee = copy
    }
}

/// The blocking single-request entry points: common argument checks, then the request `build` describes.
private func requestEntryPoint(
    _ manager: OpaquePointer?, _ server: UnsafePointer<CChar>?, _ timeoutMs: Int32, _ out: OutString?, _ outError: OutString?,
    _ build: () throws(MCPError) -> (method: String, params: JSONObject, label: String, value: String, resumeTask: String?)
) -> mcp_status {
    out?.pointee = nil
    return boundary(outError) { () throws(MCPError) in
        try requireOut(out, "out_result_json")
        let handle = try HandleRegistry.handle(manager)
        let serverName = try string(server, "server")
        let request = try build()
        try blockingResult({
            handle.manager.requestBlocking(server: serverName, method: request.method, params: request.params, timeoutMs: Int(timeoutMs),
                resumeTask: request.resumeTask, as: handle.caller, payload: Manager.payload(serverName, request.label, request.value))
        }, to: out)
    }
}

private func listEntryPoint(
    _ kind: ClientSession.ListKind, _ manager: OpaquePointer?, _ server: UnsafePointer<CChar>?, _ out: OutString?, _ outError: OutString?
) -> mcp_status {
    out?.pointee = nil
    return boundary(outError) { () throws(MCPError) in
        try requireOut(out, "output")
        let handle = try HandleRegistry.handle(manager)
        let name = try string(server, "server")
        try result(handle.manager.blocking { handle.manager.list(kind, server: name, as: handle.caller, completion: $0) }, to: out)
    }
}

/// Starts an operation without blocking. request_json is {"op":…, "server":…, …}: "connect", "disconnect",
/// "list_tools", "list_resources", "list_resource_templates", "list_prompts", "call_tool" (tool, arguments),
/// "read_resource" (uri), "get_prompt" (name, arguments), "subscribe"/"unsubscribe" (uri), "complete" (params),
/// "resume_task" (task_id) or "request" (method, params); "timeout_ms" optional.
/// Its outcome arrives through mcp_manager_next_event as {"kind":"result","request_id":…} or {"kind":"error",…}.
/// Ownership: free *out_error_json with mcp_string_free().
/// NULL: manager, request_json and out_request_id required; out_error_json may be NULL.
/// Threads: any thread.
@c(mcp_manager_submit)
public func mcpManagerSubmit(
    _ manager: OpaquePointer?, _ request_json: UnsafePointer<CChar>?, _ out_request_id: UnsafeMutablePointer<UInt64>?,
    _ out_error_json: OutString?
) -> mcp_status {
    out_request_id?.pointee = 0
    return boundary(out_error_json) { () throws(MCPError) in
        try requireOut(out_request_id, "out_request_id")
        let handle = try HandleRegistry.handle(manager)
        out_request_id?.pointee = try handle.manager.submit(try json(request_json, "request_json"), as: handle.caller)
    }
}

/// Cancels an in-flight call (submitted or blocking): its caller gets MCP_ERR_CANCELLED and the server a
/// notifications/cancelled. MCP_ERR_NOT_FOUND when the request already finished.
/// Ownership: free *out_error_json with mcp_string_free().
/// NULL: manager required; out_error_json may be NULL.
/// Threads: any thread.
@c(mcp_manager_cancel)
public func mcpManagerCancel(_ manager: OpaquePointer?, _ request_id: UInt64, _ out_error_json: OutString?) -> mcp_status {
    boundary(out_error_json) { () throws(MCPError) in
        try HandleRegistry.handle(manager).manager.cancel(requestID: request_id)
    }
}

/// Answers a {"kind":"request","request_id":…,"method":…} event: what a server asks of the client (roots,
/// sampling, elicitation), in either era. Handshake-era servers send these as requests; 2026-07-28 servers
/// return them as input_required results, and the library retries the original call once every input is
/// answered. Sent only when the manager options declare client capabilities. response_json is
/// {"result":{…}} or {"error":{"code":…,"message":…}}. MCP_ERR_NOT_FOUND when the request is unknown or answered.
/// Ownership: free *out_error_json with mcp_string_free().
/// NULL: manager and response_json required; out_error_json may be NULL.
/// Threads: any thread.
@c(mcp_manager_respond)
public func mcpManagerRespond(
    _ manager: OpaquePointer?, _ request_id: UInt64, _ response_json: UnsafePointer<CChar>?, _ out_error_json: OutString?
) -> mcp_status {
    boundary(out_error_json) { () throws(MCPError) in
        let instance = try HandleRegistry.manager(manager)
        try instance.respond(requestID: request_id, response: try json(response_json, "response_json"))
    }
}

/// Waits up to timeout_ms (negative: forever, 0: poll) for the next event: results of submitted operations,
/// status changes, progress, logs (server stderr included). Returns MCP_OK with *out_event_json set,
/// MCP_ERR_TIMEOUT, or MCP_ERR_CLOSED once the manager is shut down and the queue is drained.
/// Ownership: free *out_event_json with mcp_string_free().
/// NULL: manager and out_event_json required.
/// Threads: any host thread (blocking); several threads may wait at once, each event goes to one of them.
@c(mcp_manager_next_event)
public func mcpManagerNextEvent(_ manager: OpaquePointer?, _ timeout_ms: Int32, _ out_event_json: OutString?) -> mcp_status {
    out_event_json?.pointee = nil
    guard out_event_json != nil else { return .errInvalid }
    let instance: Manager
    do {
        instance = try HandleRegistry.manager(manager)
    } catch {
        return mcp_status(error.code)
    }
    switch instance.events.pop(timeoutMs: timeout_ms) {
    case .event(let event):
        out_event_json?.pointee = allocate(JSONWriter.serialize(event))
        return .ok
    case .timeout: return .errTimeout
    case .closed: return .errClosed
    }
}

/// A server's state: {"version":1,"server","status":"connected"|"connecting"|"disconnected"|"error","era"?,"lastError"?}.
/// Ownership: free *out_status_json and *out_error_json with mcp_string_free().
/// NULL: manager, server and out_status_json required; out_error_json may be NULL.
/// Threads: any thread.
@c(mcp_manager_server_status)
public func mcpManagerServerStatus(
    _ manager: OpaquePointer?, _ server: UnsafePointer<CChar>?, _ out_status_json: OutString?, _ out_error_json: OutString?
) -> mcp_status {
    out_status_json?.pointee = nil
    return boundary(out_error_json) { () throws(MCPError) in
        try requireOut(out_status_json, "out_status_json")
        let handle = try HandleRegistry.handle(manager)
        try write(try handle.manager.status(server: try string(server, "server"), as: handle.caller), to: out_status_json)
    }
}
