/// The `{{…}}` placeholders the library knows: LibreChat's names, kept for compatibility, and a neutral alias for
/// each that mirrors the resolution context's JSON path (`{{user.email}}` reads `context.user.email`).
public struct Placeholder: Sendable, Equatable {
    public enum Kind: String, Sendable {
        /// The signed-in user's profile fields.
        case user
        /// The user's federated OpenID Connect login (only while the token is present and unexpired).
        case openid
        /// A Microsoft Graph token the host minted on behalf of the user.
        case graph
        /// Fields of the chat request; referencing them makes the connection request-scoped.
        case body
    }

    /// The LibreChat spelling, e.g. `LIBRECHAT_USER_EMAIL`.
    public let name: String
    /// The neutral spelling, e.g. `user.email`.
    public let alias: String
    public let kind: Kind
    /// The key read from the context object of this kind.
    public let field: String
    /// Tokens: a value that must never reach a message or diagnostic.
    public let sensitive: Bool
}

public enum PlaceholderCatalogue {
    /// LibreChat's 18 user fields, in its order, with the context key each one reads.
    static let userFields: [(suffix: String, field: String)] = [
        ("ID", "id"), ("NAME", "name"), ("USERNAME", "username"), ("EMAIL", "email"), ("PROVIDER", "provider"), ("ROLE", "role"),
        ("GOOGLEID", "googleId"), ("FACEBOOKID", "facebookId"), ("OPENIDID", "openidId"), ("SAMLID", "samlId"), ("LDAPID", "ldapId"),
        ("GITHUBID", "githubId"), ("DISCORDID", "discordId"), ("APPLEID", "appleId"), ("EMAILVERIFIED", "emailVerified"),
        ("TWOFACTORENABLED", "twoFactorEnabled"), ("TERMSACCEPTED", "termsAccepted"), ("TERMSACCEPTEDAT", "termsAcceptedAt"),
    ]

    static let openidFields: [(suffix: String, field: String, sensitive: Bool)] = [
        // `TOKEN` is LibreChat's older name for the access token; both names share one alias.
        ("TOKEN", "accessToken", true), ("ACCESS_TOKEN", "accessToken", true), ("ID_TOKEN", "idToken", true),
        ("USER_ID", "userId", false), ("USER_EMAIL", "userEmail", false), ("USER_NAME", "userName", false),
        ("EXPIRES_AT", "expiresAt", false),
    ]

    static let bodyFields: [(suffix: String, field: String)] = [
        ("CONVERSATIONID", "conversationId"), ("PARENTMESSAGEID", "parentMessageId"), ("MESSAGEID", "messageId"),
    ]

    public static let all: [Placeholder] = {
        var list: [Placeholder] = []
        for (suffix, field) in userFields {
            list.append(Placeholder(name: "LIBRECHAT_USER_" + suffix, alias: "user." + field, kind: .user, field: field, sensitive: false))
        }
        for (suffix, field, sensitive) in openidFields {
            list.append(Placeholder(name: "LIBRECHAT_OPENID_" + suffix, alias: "openid." + field, kind: .openid, field: field, sensitive: sensitive))
        }
        list.append(Placeholder(name: "LIBRECHAT_GRAPH_ACCESS_TOKEN", alias: "graph.accessToken", kind: .graph, field: "accessToken", sensitive: true))
        for (suffix, field) in bodyFields {
            list.append(Placeholder(name: "LIBRECHAT_BODY_" + suffix, alias: "body." + field, kind: .body, field: field, sensitive: false))
        }
        return list
    }()

    private static let byName: [String: Placeholder] = {
        var table: [String: Placeholder] = [:]
        for placeholder in all {
            table[placeholder.name] = placeholder
            // The first entry wins an alias, so `openid.accessToken` names ACCESS_TOKEN's older twin TOKEN; same value.
            if table[placeholder.alias] == nil { table[placeholder.alias] = placeholder }
        }
        return table
    }()

    /// The placeholder named `name` (LibreChat spelling or alias), without the braces.
    public static func lookup(_ name: some StringProtocol) -> Placeholder? { byName[String(name)] }

    /// The auto-variable an `apiKey.source: user` server reads from the user's saved values.
    public static let apiKeyVariable = "MCP_API_KEY"

    /// LibreChat's prefixes that user-created servers may not carry in headers (§5 rule 6), and the alias prefixes.
    static let scrubbedPrefixes = ["LIBRECHAT_OPENID_", "LIBRECHAT_USER_", "LIBRECHAT_GRAPH_", "LIBRECHAT_BODY_", "user.", "openid.", "graph.", "body."]

    /// True for any name of the identity kinds, known or not: user-tier scrubbing removes these by prefix.
    static func isIdentityShaped(_ name: some StringProtocol) -> Bool {
        lookup(name) != nil || scrubbedPrefixes.contains(where: { name.hasPrefix($0) })
    }
}
