import MCPClientConfig
public import MCPClientCore

/// Who an operation is for. The host's own context (no user) uses shared connections and the manager's OAuth user
/// and may do everything; a user context picks that user's connection for per-user servers (management.md §1),
/// signs in as that user, fills the config's user placeholders, and is held to the registry's permissions.
public struct CallContext: Sendable {
    /// The user (id, role, profile fields, role permissions); nil is the host itself.
    public var identity: UserContext?
    public var openid: JSONObject?
    public var graph: JSONObject?
    /// The chat request's fields (`{{LIBRECHAT_BODY_*}}`): servers that use them get a connection per operation.
    public var body: JSONObject = [:]
    /// Values of the server's `customUserVars` given with this call; they win over the user's saved values.
    public var userVars: [String: String] = [:]

    public init(user: String? = nil, role: String = "user") {
        identity = user.map { UserContext(id: $0, role: role) }
    }

    public init(identity: UserContext) { self.identity = identity }

    public static let host = CallContext()

    public var user: String? { identity?.id }

    /// Profile fields for `{{LIBRECHAT_USER_*}}`.
    public var profile: JSONObject {
        get { identity?.fields ?? [:] }
        set { identity?.fields = newValue }
    }

    static let connectionKeys: Set<String> = ["openid", "graph", "body", "userVars"]

    /// The user context of docs/registry.md (`id`, `role`, profile fields, `permissions`) plus what connections
    /// read: `openid`, `graph`, `body`, `userVars` (docs/abi/json.md).
    public static func parse(_ value: JSONValue) throws(MCPError) -> CallContext {
        guard case .object(let object) = value else { throw MCPError.invalid("the user context must be a JSON object") }
        let identityFields = JSONObject(object.entries.filter { !connectionKeys.contains($0.key) })
        var context = CallContext(identity: try UserContext.parse(.object(identityFields)))
        func member(_ key: String) throws(MCPError) -> JSONObject? {
            guard let member = object[key] else { return nil }
            guard case .object(let inner) = member else { throw MCPError.invalid("'\(key)' must be an object", details: ["path": .string(key)]) }
            return inner
        }
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
        guard let identity else { return base }
        var context = base
        context.user = identity.placeholderFields
        // The host's own tokens never stand in for a user's.
        context.openid = openid
        context.graph = graph
        context.body = body
        context.userVars = savedUserVars.merging(userVars) { _, given in given }
        return context
    }
}
