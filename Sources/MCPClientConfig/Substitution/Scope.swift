public import MCPClientCore

/// Which connection a server gets (config-formats.md §4, management.md §1).
public struct ScopeClassification: Sendable, Equatable {
    public enum Scope: String, Sendable {
        /// One shared connection, opened at startup.
        case app
        /// One connection per user.
        case user
        /// A new connection per chat request, never cached.
        case request
    }

    public var scope: Scope
    /// Why, in words, naming the deciding field.
    public var reason: String
    /// The config cannot be resolved without a user's (or a request's) values: placeholders, per-user variables, a
    /// user API key, tokens minted on a user's behalf. Other per-user servers (user-created, `startup: false`) are
    /// per user by policy only.
    public var needsUserValues: Bool

    public init(_ scope: Scope, _ reason: String, needsUserValues: Bool = false) {
        self.scope = scope
        self.reason = reason
        self.needsUserValues = needsUserValues
    }
}

extension ConfigResolver {
    /// The fields whose placeholders make a connection per-user or per-request.
    static let scopedFields = ["url", "headers", "oauth_headers", "env", "args", "oauth"]

    /// Classifies a normalized server. `tier` defaults to the server's `source.tier`. Placeholders count only in
    /// trusted tiers: user-created and plugin configs never get them resolved.
    public static func classify(server: JSONObject, tier: TrustTier? = nil) -> ScopeClassification {
        let tier = tier ?? server["source"]?["tier"]?.stringValue.flatMap(TrustTier.init(name:)) ?? .operator
        var identity: (path: String, name: String)?
        if tier.isTrusted {
            var bodyReference: (path: String, name: String)?
            for field in scopedFields {
                guard let value = server[field] else { continue }
                visitStrings(value, path: field, depth: 0) { path, text in
                    for piece in Template(text).pieces {
                        guard case .placeholder(let name, _) = piece, let known = PlaceholderCatalogue.lookup(name) else { continue }
                        if known.kind == .body, bodyReference == nil { bodyReference = (path, String(name)) }
                        if identity == nil { identity = (path, String(name)) }
                    }
                }
            }
            if let bodyReference {
                return ScopeClassification(.request, "\(bodyReference.path) uses {{\(bodyReference.name)}}: a new connection per request",
                    needsUserValues: true)
            }
        }
        if tier == .user { return ScopeClassification(.user, "user-created servers are always per user") }
        if server["requiresOAuth"]?.boolValue == true { return ScopeClassification(.user, "requiresOAuth is true: OAuth tokens are per user") }
        if let obo = server["obo"], !obo.isNull {
            return ScopeClassification(.user, "obo: tokens are minted on behalf of each user", needsUserValues: true)
        }
        if let vars = server["customUserVars"]?.objectValue, !vars.isEmpty {
            return ScopeClassification(.user, "customUserVars is not empty: values are per user", needsUserValues: true)
        }
        if server["apiKey"]?["source"]?.stringValue == "user" {
            return ScopeClassification(.user, "apiKey.source is user: each user supplies MCP_API_KEY", needsUserValues: true)
        }
        if let identity {
            return ScopeClassification(.user, "\(identity.path) uses {{\(identity.name)}}: values are per user", needsUserValues: true)
        }
        if server["startup"]?.boolValue == false { return ScopeClassification(.user, "startup is false: no shared connection is opened") }
        if server["inspectionFailed"]?.boolValue == true { return ScopeClassification(.user, "inspectionFailed: no shared connection") }
        return ScopeClassification(.app, "no per-user or per-request input: one shared connection")
    }

    /// Calls `body` with every string under `value` and its path (`headers.X-Id`, `args[2]`), depth-bounded.
    static func visitStrings(_ value: JSONValue, path: String, depth: Int, _ body: (String, String) -> Void) {
        guard depth < 16 else { return }
        switch value {
        case .string(let text): body(path, text)
        case .array(let items):
            for (index, item) in items.enumerated() { visitStrings(item, path: "\(path)[\(index)]", depth: depth + 1, body) }
        case .object(let object):
            for (key, item) in object { visitStrings(item, path: "\(path).\(key)", depth: depth + 1, body) }
        default: break
        }
    }
}
