public import MCPClientCore

/// Tokens for one user, server and authorization server. Times are Unix seconds. `description` shows no token.
public struct TokenSet: Sendable, Equatable, CustomStringConvertible {
    public var accessToken: String
    public var tokenType: String
    public var expiresAt: Int64
    public var refreshToken: String?
    public var refreshTokenExpiresAt: Int64?
    /// The granted scopes when the AS said; otherwise the caller keeps the requested ones.
    public var scopes: [String]?
    public var idToken: String?
    public var issuedAt: Int64

    public init(
        accessToken: String, tokenType: String = "Bearer", expiresAt: Int64, refreshToken: String? = nil,
        refreshTokenExpiresAt: Int64? = nil, scopes: [String]? = nil, idToken: String? = nil, issuedAt: Int64
    ) {
        self.accessToken = accessToken
        self.tokenType = tokenType
        self.expiresAt = expiresAt
        self.refreshToken = refreshToken
        self.refreshTokenExpiresAt = refreshTokenExpiresAt
        self.scopes = scopes
        self.idToken = idToken
        self.issuedAt = issuedAt
    }

    public var description: String {
        "TokenSet(expiresAt: \(expiresAt), refreshToken: \(refreshToken == nil ? "absent" : "[redacted]"), scopes: \(scopes.map(Scopes.join) ?? "unknown"))"
    }

    /// Whether the access token expires within `leeway` seconds of `now`.
    public func accessTokenExpires(within leeway: Int64, now: Int64) -> Bool { expiresAt <= now &+ leeway }

    public var hasUsableRefreshToken: Bool { refreshToken?.isEmpty == false }

    public var json: JSONValue {
        var object: JSONObject = [
            "access_token": .string(accessToken), "token_type": .string(tokenType), "expires_at": .int(expiresAt), "issued_at": .int(issuedAt),
        ]
        if let refreshToken { object["refresh_token"] = .string(refreshToken) }
        if let refreshTokenExpiresAt { object["refresh_token_expires_at"] = .int(refreshTokenExpiresAt) }
        if let scopes { object["scope"] = .string(Scopes.join(scopes)) }
        if let idToken { object["id_token"] = .string(idToken) }
        return .object(object)
    }

    /// The members `json` writes (a stored record's other members belong to its owner).
    static let recordMembers: Set<String> = ["access_token", "token_type", "expires_at", "issued_at", "refresh_token", "refresh_token_expires_at", "scope", "id_token"]

    /// How long before expiry to renew: `ahead`, but at most half the token's lifetime, so a short-lived token is
    /// not renewed again the moment it arrives.
    public func renewalLeeway(_ ahead: Int64) -> Int64 {
        guard issuedAt > 0, expiresAt > issuedAt else { return ahead }
        return min(ahead, (expiresAt &- issuedAt) / 2)
    }

    /// How long a stored record of these tokens is worth keeping: while a refresh token can renew them (nil: no
    /// expiry known), else until the access token expires.
    public func recordTTL(now: Int64) -> Int64? {
        guard refreshToken != nil else { return max(expiresAt &- now, 1) }
        return refreshTokenExpiresAt.map { max($0 &- now, 1) }
    }

    /// Reads what `json` wrote (a stored record).
    public init(json: JSONValue) throws(MCPError) {
        guard let accessToken = json["access_token"]?.stringValue, let expiresAt = json["expires_at"]?.int64Value else {
            throw MCPError(.invalid, "stored token record is incomplete", source: .auth, details: ["reason": "record_invalid"])
        }
        self.init(
            accessToken: accessToken, tokenType: json["token_type"]?.stringValue ?? "Bearer", expiresAt: expiresAt,
            refreshToken: json["refresh_token"]?.stringValue, refreshTokenExpiresAt: json["refresh_token_expires_at"]?.int64Value,
            scopes: json["scope"]?.stringValue.map { Scopes.parse($0) }, idToken: json["id_token"]?.stringValue,
            issuedAt: json["issued_at"]?.int64Value ?? 0)
    }
}

/// Parsing token-endpoint replies (RFC 6749 §5.1 and §5.2).
public enum TokenResponse {
    public static let maxBodyBytes = 256 * 1024
    /// oauth.md §6.14 defaults when the AS does not say.
    public static let defaultAccessLifetime: Int64 = 365 * 24 * 3600
    public static let defaultRefreshLifetime: Int64 = 365 * 24 * 3600
    /// Longer lifetimes are clamped (and keep the arithmetic far from overflow).
    public static let maxLifetime: Int64 = 10 * 365 * 24 * 3600

    /// A 2xx JSON body becomes a `TokenSet`; an error body becomes an `MCPError` whose `details.reason` is one of
    /// `invalid_grant`, `invalid_client`, `invalid_scope`, `unauthorized_client`, `invalid_request`,
    /// `unsupported_grant_type` or `token_error`. `previousRefreshToken` is kept when the AS does not rotate.
    /// `sentSecrets` (the refresh token, code, verifier, client secret) are cut out of any error text the AS echoes.
    public static func parse(
        status: Int, body: [UInt8], now: Int64, previousRefreshToken: String? = nil, sentSecrets: [String] = []
    ) throws(MCPError) -> TokenSet {
        guard body.count <= maxBodyBytes else {
            throw MCPError(.protocolError, "token response is larger than \(maxBodyBytes) bytes", source: .auth,
                details: ["reason": "token_response_invalid", "status": .int(Int64(status))])
        }
        let object = (try? JSONParser.parse(body, maxDepth: 16))?.objectValue
        guard (200...299).contains(status) else {
            throw tokenError(status: status, object: object, sentSecrets: sentSecrets)
        }
        guard let object else {
            throw MCPError(.protocolError, "token response is not a JSON object", source: .auth,
                details: ["reason": "token_response_invalid", "status": .int(Int64(status))])
        }
        if object["error"]?.stringValue != nil { throw tokenError(status: status, object: object, sentSecrets: sentSecrets) }
        guard let accessToken = object["access_token"]?.stringValue, !accessToken.isEmpty else {
            throw MCPError(.protocolError, "token response has no access_token", source: .auth, details: ["reason": "token_response_invalid"])
        }
        let tokenType = object["token_type"]?.stringValue ?? "Bearer"
        guard tokenType.lowercased() == "bearer" else {
            throw MCPError(.unsupported, "token type \(AuthorizationCallback.printable(tokenType, limit: 32)) is not supported (only Bearer)",
                source: .auth, details: ["reason": "unsupported_token_type"])
        }
        let expiresAt: Int64
        if let absolute = seconds(object["expires_at"]) {
            expiresAt = min(absolute, now &+ maxLifetime)
        } else if let relative = seconds(object["expires_in"]) {
            expiresAt = now &+ min(relative, maxLifetime)
        } else if let exp = JWTClaims.expiry(accessToken) {
            expiresAt = min(exp, now &+ maxLifetime)
        } else {
            expiresAt = now &+ defaultAccessLifetime
        }
        let issuedRefresh = object["refresh_token"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        let refreshToken = issuedRefresh ?? previousRefreshToken
        var refreshExpiresAt: Int64?
        if refreshToken != nil {
            let lifetime = seconds(object["refresh_token_expires_in"]).map { min($0, maxLifetime) } ?? defaultRefreshLifetime
            refreshExpiresAt = now &+ lifetime
        }
        return TokenSet(
            accessToken: accessToken, tokenType: "Bearer", expiresAt: expiresAt, refreshToken: refreshToken,
            refreshTokenExpiresAt: refreshExpiresAt, scopes: object["scope"]?.stringValue.map { Scopes.parse($0) },
            idToken: object["id_token"]?.stringValue, issuedAt: now)
    }

    /// Whole non-negative seconds from a number or a numeric string (some servers send `"3600"`).
    static func seconds(_ value: JSONValue?) -> Int64? {
        guard let value else { return nil }
        if let number = value.int64Value { return number >= 0 ? number : 0 }
        if let double = value.doubleValue, double.isFinite { return double <= 0 ? 0 : Int64(min(double, 9e15)) }
        if let text = value.stringValue, text.utf8.count <= 15, let number = Int64(text) { return max(number, 0) }
        return nil
    }

    static let knownErrors: Set<String> = [
        "invalid_grant", "invalid_client", "invalid_scope", "unauthorized_client", "invalid_request", "unsupported_grant_type",
    ]

    static func tokenError(status: Int, object: JSONObject?, sentSecrets: [String]) -> MCPError {
        endpointError(status: status, object: object, sentSecrets: sentSecrets, endpoint: "token endpoint", known: knownErrors, fallback: "token_error")
    }

    /// An RFC 6749 §5.2 error body as an `MCPError`: `details.reason` is the AS's `error` when it is in `known`, else
    /// `fallback`; `error` and `error_description` are kept printable, short, and with the sent secrets cut out.
    static func endpointError(
        status: Int, object: JSONObject?, sentSecrets: [String], endpoint: String, known: Set<String>, fallback: String
    ) -> MCPError {
        let code = object?["error"]?.stringValue
        let reason = code.flatMap { known.contains($0) ? $0 : nil } ?? fallback
        var details: JSONObject = ["reason": .string(reason), "status": .int(Int64(status))]
        if let code { details["error"] = .string(AuthorizationCallback.printable(Redaction.redact(code, sentSecrets), limit: 64)) }
        if let description = object?["error_description"]?.stringValue {
            details["error_description"] = .string(AuthorizationCallback.printable(Redaction.redact(description, sentSecrets), limit: 300))
        }
        let shown = details["error"]?.stringValue ?? "HTTP \(status)"
        return MCPError(.auth, "the \(endpoint) refused the request: \(shown)", source: .auth, details: details)
    }

    /// LibreChat and Salesforce: some ASes refuse `scope` on refresh; retry once without it.
    public static func shouldRetryWithoutScope(_ error: MCPError) -> Bool {
        let reason = error.details["reason"]?.stringValue
        if reason == "invalid_scope" { return true }
        guard reason == "invalid_request" || reason == "token_error" else { return false }
        let text = (error.details["error_description"]?.stringValue ?? "").lowercased()
        return text.containsLiteral("scope")
    }

    /// oauth.md §6.12: `invalid_client` (or "client not found") means the stored registration and refresh token
    /// must go and the client re-registers.
    public static func requiresReregistration(_ error: MCPError) -> Bool {
        if error.details["reason"]?.stringValue == "invalid_client" { return true }
        let text = (error.details["error_description"]?.stringValue ?? "").lowercased()
        return text.containsLiteral("client not found")
    }
}

public enum Redaction {
    public static let marker = "[redacted]"

    /// `text` with every occurrence of each secret (of four or more characters) replaced by `[redacted]`.
    public static func redact(_ text: String, _ secrets: [String]) -> String {
        var result = text
        for secret in secrets where secret.utf8.count >= 4 { result = result.replacingLiteral(secret, with: marker) }
        return result
    }
}

/// Reads claims from a JWT without verifying it: only to learn an access token's `exp` when the AS omits
/// `expires_in` (the token is opaque to the client otherwise).
public enum JWTClaims {
    public static func payload(_ jwt: String) -> JSONObject? {
        guard jwt.utf8.count <= 16 * 1024 else { return nil }
        let parts = jwt.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let bytes = Base64Decoding.decode(String(parts[1]), urlSafe: true) else { return nil }
        return (try? JSONParser.parse(bytes, maxDepth: 8))?.objectValue
    }

    public static func expiry(_ jwt: String) -> Int64? {
        guard let exp = payload(jwt)?["exp"]?.int64Value, exp > 0 else { return nil }
        return exp
    }
}

/// Base64 decoding (the core module only encodes). Accepts both alphabets when asked, padding optional; nil on
/// any other character.
public enum Base64Decoding {
    public static func decode(_ text: String, urlSafe: Bool = false) -> [UInt8]? {
        var output: [UInt8] = []
        output.reserveCapacity(text.utf8.count * 3 / 4)
        var buffer: UInt32 = 0
        var bits = 0
        var sawPadding = false
        for byte in text.utf8 {
            let value: UInt8
            switch byte {
            case 0x41...0x5A: value = byte - 0x41
            case 0x61...0x7A: value = byte - 0x61 + 26
            case 0x30...0x39: value = byte - 0x30 + 52
            case UInt8(ascii: "+") where !urlSafe, UInt8(ascii: "-") where urlSafe: value = 62
            case UInt8(ascii: "/") where !urlSafe, UInt8(ascii: "_") where urlSafe: value = 63
            case UInt8(ascii: "="):
                sawPadding = true
                continue
            default: return nil
            }
            if sawPadding { return nil }
            buffer = buffer << 6 | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                output.append(UInt8(truncatingIfNeeded: buffer >> UInt32(bits)))
                buffer &= (1 << UInt32(bits)) - 1
            }
        }
        // A lone trailing character (6 bits) cannot be a byte.
        if bits >= 6 { return nil }
        return output
    }
}
