import MCPClientConfig
public import MCPClientCore

/// Who an operation is for. The host's own context (no user) uses shared connections and the manager's OAuth user,
/// as before per-user connections existed; a user context picks that user's connection for per-user servers
/// (management.md §1), signs in as that user, and fills the config's user placeholders.
public struct CallContext: Sendable {
    /// The user's id; nil is the host itself.
    public var user: String?
    /// `admin`, `user` or a host-defined role (permissions).
    public var role: String?
    /// Profile fields for `{{LIBRECHAT_USER_*}}` (`email`, `name`, `username`, …; see `PlaceholderCatalogue`).
    public var profile: JSONObject = [:]
    public var openid: JSONObject?
    public var graph: JSONObject?
    /// The chat request's fields (`{{LIBRECHAT_BODY_*}}`): servers that use them get a connection per operation.
    public var body: JSONObject = [:]
    /// Values of the server's `customUserVars` given with this call; they win over the user's saved values.
    public var userVars: [String: String] = [:]

    public init(user: String? = nil) { self.user = user }

    public static let host = CallContext()

    public var isAdmin: Bool { user == nil || role == "admin" }

    /// `{"id": …, "role"?, "profile"?, "openid"?, "graph"?, "body"?, "userVars"?}` (docs/abi/json.md).
    public static func parse(_ value: JSONValue) throws(MCPError) -> CallContext {
        guard case .object(let object) = value else { throw MCPError.invalid("the user context must be a JSON object") }
        try PayloadVersion.check(object)
        guard let id = object["id"]?.stringValue, !id.isEmpty, id.utf8.count <= 256 else {
            throw MCPError.invalid("the user context needs 'id': a non-empty string of at most 256 bytes", details: ["path": "id"])
        }
        var context = CallContext(user: id)
        func member(_ key: String) throws(MCPError) -> JSONObject? {
            guard let member = value[key] else { return nil }
            guard case .object(let inner) = member else { throw MCPError.invalid("'\(key)' must be an object", details: ["path": .string(key)]) }
            return inner
        }
        for key in object.keys where !["version", "id", "role", "profile", "openid", "graph", "body", "userVars"].contains(key) {
            throw MCPError.invalid("unknown field '\(key)' in the user context", details: ["path": .string(key)])
        }
        if let role = object["role"] {
            guard let text = role.stringValue, !text.isEmpty else { throw MCPError.invalid("'role' must be a non-empty string", details: ["path": "role"]) }
            context.role = text
        }
        context.profile = try member("profile") ?? [:]
        context.openid = try member("openid")
        context.graph = try member("graph")
        context.body = try member("body") ?? [:]
        for (name, member) in try member("userVars") ?? [:] {
            // The name is the caller's own key; the value is never echoed.
            guard let text = member.stringValue else { throw MCPError.invalid("'userVars.\(name)' must be a string", details: ["path": .string("userVars." + name)]) }
            context.userVars[name] = text
        }
        return context
    }

    /// The manager's substitution context with this user's values laid over it.
    func resolution(base: ResolutionContext, savedUserVars: [String: String]) -> ResolutionContext {
        guard let user else { return base }
        var context = base
        context.user = profile
        if context.user["id"] == nil { context.user["id"] = .string(user) }
        if let role, context.user["role"] == nil { context.user["role"] = .string(role) }
        // The host's own tokens never stand in for a user's.
        context.openid = openid
        context.graph = graph
        context.body = body
        context.userVars = savedUserVars.merging(userVars) { _, given in given }
        return context
    }
}
