import MCPClientCore

/// Status codes. 0 is success; negative values are specific errors. Append-only: codes are never renumbered.
@c public enum mcp_status: Int32 {
    /// Success.
    case ok = 0
    /// A failure without a more specific code; see the error JSON.
    case error = -1
    /// A bad argument: NULL where a value is required, invalid UTF-8 or JSON, a wrong type.
    case errInvalid = -2
    /// An invalid server configuration.
    case errConfig = -3
    /// Blocked by SSRF or domain policy.
    case errPolicy = -4
    /// The transport failed: the server could not start, crashed, or the connection broke.
    case errTransport = -5
    /// Timed out.
    case errTimeout = -6
    /// Cancelled.
    case errCancelled = -7
    /// The server answered with a JSON-RPC error or broke the protocol.
    case errProtocol = -8
    /// Authorization required or failed.
    case errAuth = -9
    /// The handle has been shut down.
    case errClosed = -10
    /// Unknown server, tool or request.
    case errNotFound = -11
    /// Not supported.
    case errUnsupported = -12
    /// Returned by host callbacks.
    case errUser = -13
    /// Already exists (e.g. a server name).
    case errConflict = -14
    /// The user context may not do this (registry permissions).
    case errPermission = -15
}

extension mcp_status {
    init(_ code: MCPError.Code) {
        self = mcp_status(rawValue: code.rawValue) ?? .error
    }

    var staticDescription: StaticString {
        switch self {
        case .ok: "success"
        case .error: "unspecified error"
        case .errInvalid: "invalid argument, UTF-8 or JSON"
        case .errConfig: "invalid server configuration"
        case .errPolicy: "blocked by network policy"
        case .errTransport: "transport failure"
        case .errTimeout: "timed out"
        case .errCancelled: "cancelled"
        case .errProtocol: "protocol error from the server"
        case .errAuth: "authorization required or failed"
        case .errClosed: "handle shut down"
        case .errNotFound: "not found"
        case .errUnsupported: "not supported"
        case .errUser: "error returned by a host callback"
        case .errConflict: "already exists"
        case .errPermission: "permission denied"
        }
    }
}
