/// The library's one error type. Cases are added without breaking clients (struct-wrapped codes).
public struct MCPError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Stable status codes; the C `mcp_status` enum mirrors these values and the list is append-only.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        public let rawValue: Int32
        public let name: String

        public static let generic = Code(rawValue: -1, name: "MCP_ERROR")
        public static let invalid = Code(rawValue: -2, name: "MCP_ERR_INVALID")
        public static let config = Code(rawValue: -3, name: "MCP_ERR_CONFIG")
        public static let policy = Code(rawValue: -4, name: "MCP_ERR_POLICY")
        public static let transport = Code(rawValue: -5, name: "MCP_ERR_TRANSPORT")
        public static let timeout = Code(rawValue: -6, name: "MCP_ERR_TIMEOUT")
        public static let cancelled = Code(rawValue: -7, name: "MCP_ERR_CANCELLED")
        public static let protocolError = Code(rawValue: -8, name: "MCP_ERR_PROTOCOL")
        public static let auth = Code(rawValue: -9, name: "MCP_ERR_AUTH")
        public static let closed = Code(rawValue: -10, name: "MCP_ERR_CLOSED")
        public static let notFound = Code(rawValue: -11, name: "MCP_ERR_NOT_FOUND")
        public static let unsupported = Code(rawValue: -12, name: "MCP_ERR_UNSUPPORTED")
        public static let user = Code(rawValue: -13, name: "MCP_ERR_USER")
        public static let conflict = Code(rawValue: -14, name: "MCP_ERR_CONFLICT")
        /// The caller's user context lacks the permission (server registry ACLs, role permissions).
        public static let permission = Code(rawValue: -15, name: "MCP_ERR_PERMISSION")

        public static let all: [Code] = [
            generic, invalid, config, policy, transport, timeout, cancelled, protocolError, auth, closed, notFound,
            unsupported, user, conflict, permission,
        ]

        public var description: String { name }
        public static func == (a: Code, b: Code) -> Bool { a.rawValue == b.rawValue }
        public func hash(into hasher: inout Hasher) { hasher.combine(rawValue) }
    }

    /// Keeps local failures (timeouts, size caps) apart from errors the peer actually sent.
    public enum Source: String, Sendable {
        case local, peer, config, auth
    }

    public var code: Code
    public var source: Source
    public var message: String
    public var details: JSONObject

    public init(_ code: Code, _ message: String, source: Source = .local, details: JSONObject = [:]) {
        self.code = code
        self.message = message
        self.source = source
        self.details = details
    }

    /// A JSON-RPC error object received from the server.
    public static func peer(code: Int64, message: String, data: JSONValue?) -> MCPError {
        var rpc: JSONObject = ["code": .int(code), "message": .string(message)]
        if let data { rpc["data"] = data }
        return MCPError(.protocolError, message, source: .peer, details: ["rpc": .object(rpc)])
    }

    /// The JSON-RPC error code when the peer sent one.
    public var rpcCode: Int64? { details["rpc"]?["code"]?.int64Value }

    public var description: String { "\(code.name): \(message)" }

    /// The ABI's error payload: `{"version":1,"code":…,"name":…,"source":…,"message":…,"details":{…}}`.
    public var json: JSONValue {
        [
            "version": 1, "code": .int(Int64(code.rawValue)), "name": .string(code.name), "source": .string(source.rawValue),
            "message": .string(message), "details": .object(details),
        ]
    }
}

extension MCPError {
    public static func invalid(_ message: String, details: JSONObject = [:]) -> MCPError {
        MCPError(.invalid, message, details: details)
    }
    public static func transport(_ message: String, details: JSONObject = [:]) -> MCPError {
        MCPError(.transport, message, details: details)
    }
    public static func config(_ message: String, details: JSONObject = [:]) -> MCPError {
        MCPError(.config, message, source: .config, details: details)
    }
    public static func notFound(_ message: String, details: JSONObject = [:]) -> MCPError {
        MCPError(.notFound, message, details: details)
    }
    public static let closed = MCPError(.closed, "the handle has been shut down")

    /// Maps any error to an MCPError in one place, so nothing unexpected crosses the C boundary.
    public init(_ error: any Error) {
        switch error {
        case let error as MCPError: self = error
        case let error as JSONParseError:
            self = MCPError(.invalid, "invalid JSON: \(error)", details: ["line": .int(Int64(error.line)), "column": .int(Int64(error.column))])
        default: self = MCPError(.generic, String(describing: error))
        }
    }
}
