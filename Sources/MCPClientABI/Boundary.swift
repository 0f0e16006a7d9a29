import Glibc
import MCPClientCore
import MCPClientManager
import Synchronization

/// A manager handle: the manager itself (the host's), or a user's view of it from mcp_manager_as_user, which shares
/// the manager's servers and connections and makes every operation on behalf of that user.
final class ManagerHandle: Sendable {
    let manager: Manager
    let caller: CallContext

    init(_ manager: Manager, caller: CallContext = .host) {
        self.manager = manager
        self.caller = caller
    }

    var isView: Bool { caller.user != nil }
}

/// Manager handles: a `HandleTable` like every other kind, so no two handles of any kind share a value.
enum HandleRegistry {
    private static let managers = HandleTable<ManagerHandle>(tag: 0, kind: "manager")

    static func insert(_ handle: ManagerHandle) throws(MCPError) -> OpaquePointer { try managers.insert(handle) }

    /// Any manager handle, the host's or a user's view.
    static func handle(_ handle: OpaquePointer?) throws(MCPError) -> ManagerHandle { try managers.lookup(handle, "manager") }

    /// The manager for an operation only the host may do (registering servers, stores, the event queue).
    static func manager(_ handle: OpaquePointer?) throws(MCPError) -> Manager {
        let found = try managers.lookup(handle, "manager")
        guard !found.isView else {
            throw MCPError(.permission, "this is a user's view of the manager (mcp_manager_as_user); use the manager handle itself",
                details: ["argument": "manager", "reason": "user_view"])
        }
        return found.manager
    }

    static func remove(_ handle: OpaquePointer) -> ManagerHandle? { managers.remove(handle) }
}

public typealias OutString = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>

/// Runs one C entry point: clears outputs, maps every error to a status plus error JSON. Nothing throws past here.
func boundary(_ outError: OutString?, _ body: () throws(MCPError) -> Void) -> mcp_status {
    outError?.pointee = nil
    do {
        try body()
        return .ok
    } catch {
        outError?.pointee = allocate(JSONWriter.serialize(error.json))
        return mcp_status(error.code)
    }
}

/// A caller-owned, NUL-terminated copy (freed with mcp_string_free).
func allocate(_ bytes: [UInt8]) -> UnsafeMutablePointer<CChar>? {
    bytes.withUnsafeBufferPointer { allocate($0) }
}

/// A caller-owned, NUL-terminated copy of `bytes`.
func allocate(_ bytes: UnsafeBufferPointer<UInt8>) -> UnsafeMutablePointer<CChar>? {
    guard let memory = malloc(bytes.count + 1)?.assumingMemoryBound(to: CChar.self) else { return nil }
    if let base = bytes.baseAddress { memcpy(memory, base, bytes.count) }
    memory[bytes.count] = 0
    return memory
}

func write(_ value: JSONValue, to out: OutString?, copying passThrough: JSONPassThrough? = nil) throws(MCPError) {
    guard let out else { return }
    var writer = JSONWriter()
    writer.copying(passThrough)
    writer.write(value)
    try hand(writer, to: out, copying: passThrough)
}

/// A tool call's outcome as `Manager.callToolBlocking`'s document, `{"version":1,"server","tool","result"}`, written
/// straight out: the same bytes, without building the document.
func writeToolResult(
    _ outcome: Result<JSONValue, MCPError>, server: String, tool: String, to out: OutString?, copying passThrough: JSONPassThrough?
) throws(MCPError) {
    let result: JSONValue
    switch outcome {
    case .success(let value): result = value
    case .failure(let error): throw error
    }
    guard let out else { return }
    var writer = JSONWriter()
    writer.copying(passThrough)
    writer.appendASCII(#"{"version":1,"server":"#)
    writer.writeString(server)
    writer.appendASCII(#","tool":"#)
    writer.writeString(tool)
    writer.appendASCII(#","result":"#)
    writer.write(result)
    writer.appendASCII("}")
    try hand(writer, to: out, copying: passThrough)
}

/// The written bytes to the caller's out-parameter.
private func hand(_ writer: borrowing JSONWriter, to out: OutString, copying passThrough: JSONPassThrough?) throws(MCPError) {
    // A shallow result has `null` for its inner members: only its bytes may go out (they always do: nothing on the
    // way changes a result that is only passed on; this keeps it that way).
    if passThrough?.isShallow == true, !writer.copiedPassThrough {
        throw MCPError(.generic, "internal error: a result read for passing on was changed on the way")
    }
    guard let pointer = writer.withUnsafeBytes({ allocate($0) }) else { throw MCPError(.generic, "out of memory") }
    out.pointee = pointer
}

/// A required UTF-8 string argument.
func string(_ pointer: UnsafePointer<CChar>?, _ name: String) throws(MCPError) -> String {
    guard let pointer else { throw MCPError.invalid("\(name) is NULL", details: ["argument": .string(name)]) }
    guard let text = String(validatingCString: pointer) else {
        throw MCPError.invalid("\(name) is not valid UTF-8", details: ["argument": .string(name)])
    }
    return text
}

/// A JSON argument; NULL yields `fallback` when one is given.
func json(_ pointer: UnsafePointer<CChar>?, _ name: String, fallback: JSONValue? = nil) throws(MCPError) -> JSONValue {
    guard let pointer else {
        if let fallback { return fallback }
        throw MCPError.invalid("\(name) is NULL", details: ["argument": .string(name)])
    }
    let bytes = UnsafeRawBufferPointer(start: pointer, count: strlen(pointer))
    do {
        return try JSONParser.parse(bytes)
    } catch {
        throw MCPError.invalid("\(name) is not valid JSON: \(error)", details: [
            "argument": .string(name), "line": .int(Int64(error.line)), "column": .int(Int64(error.column)),
        ])
    }
}

/// A JSON object argument; NULL means `{}` unless it is `required` (then MCP_ERR_INVALID).
func jsonObject(_ pointer: UnsafePointer<CChar>?, _ name: String, required: Bool = false) throws(MCPError) -> JSONObject {
    guard case .object(let object) = try json(pointer, name, fallback: required ? nil : [:]) else {
        throw MCPError.invalid("\(name) must be a JSON object", details: ["argument": .string(name)])
    }
    return object
}

func requireOut<T>(_ out: UnsafeMutablePointer<T>?, _ name: String) throws(MCPError) {
    if out == nil { throw MCPError.invalid("\(name) is NULL", details: ["argument": .string(name)]) }
}

func result(_ result: Result<JSONValue, MCPError>, to out: OutString?, copying passThrough: JSONPassThrough? = nil) throws(MCPError) {
    switch result {
    case .success(let value): try write(value, to: out, copying: passThrough)
    case .failure(let error): throw error
    }
}

/// A blocking call's result, with what its transport left on this thread for writing the result as it came.
func blockingResult(_ call: () -> Result<JSONValue, MCPError>, to out: OutString?) throws(MCPError) {
    let outcome = call()
    try result(outcome, to: out, copying: JSONPassThrough.take())
}
