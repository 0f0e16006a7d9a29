public import MCPClientCore

/// Token-endpoint client authentication (oauth.md §3).
public enum ClientAuthMethod: String, Sendable, Equatable, CaseIterable {
    case clientSecretBasic = "client_secret_basic"
    case clientSecretPost = "client_secret_post"
    case publicClient = "none"
    case privateKeyJWT = "private_key_jwt"

    /// oauth.md §3 "Choosing the method": an explicit override, else the method recorded at registration, else the
    /// AS's advertised methods (preferring `client_secret_basic`), else `none` when there is no secret.
    public static func choose(
        override: ClientAuthMethod? = nil, registered: ClientAuthMethod? = nil, supported: [String]?, hasSecret: Bool,
        hasSigningKey: Bool = false
    ) -> ClientAuthMethod {
        if let override { return override }
        if let registered { return registered }
        if hasSecret {
            guard let supported else { return .clientSecretBasic }
            if supported.contains(ClientAuthMethod.clientSecretBasic.rawValue) { return .clientSecretBasic }
            if supported.contains(ClientAuthMethod.clientSecretPost.rawValue) { return .clientSecretPost }
            return .clientSecretBasic
        }
        if hasSigningKey, supported?.contains(ClientAuthMethod.privateKeyJWT.rawValue) ?? true { return .privateKeyJWT }
        return .publicClient
    }

    /// LibreChat's `token_exchange_method` values.
    public static func fromTokenExchangeMethod(_ value: String) -> ClientAuthMethod? {
        switch value {
        case "default_post": .clientSecretPost
        case "basic_auth_header": .clientSecretBasic
        default: nil
        }
    }
}

/// Who the client is at the token endpoint. `description` never shows the secret or the key.
public struct ClientCredentials: Sendable, CustomStringConvertible {
    public var clientID: String
    public var clientSecret: String?
    public var signingKey: SigningKey?
    public var method: ClientAuthMethod

    public init(clientID: String, clientSecret: String? = nil, signingKey: SigningKey? = nil, method: ClientAuthMethod) {
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.signingKey = signingKey
        self.method = method
    }

    public var description: String {
        "ClientCredentials(client_id: \(clientID), method: \(method.rawValue), secret: \(clientSecret == nil ? "absent" : "[redacted]"))"
    }
}

/// A form POST to the token endpoint, ready for the HTTP layer. `description` shows the grant type and endpoint
/// only: the body and the Authorization header carry secrets.
public struct TokenRequest: Sendable, CustomStringConvertible {
    public var url: OAuthURL
    public var grantType: String
    public var headers: [HTTPField]
    public var fields: [(name: String, value: String)]
    /// A `client_secret_basic` secret, which travels only inside the Authorization header: an error body that
    /// echoes it in plain form must still be redacted.
    var basicSecrets: [String] = []

    public struct HTTPField: Sendable, Equatable {
        public var name: String
        public var value: String
    }

    public var body: String { FormEncoding.body(fields.map { ($0.name, $0.value) }) }

    static let secretFields: Set<String> = ["code", "code_verifier", "refresh_token", "client_secret", "client_assertion"]

    /// Every secret this request carries, in each form an error body might echo it; redacted from error text.
    public var sentSecrets: [String] {
        var secrets = fields.filter { Self.secretFields.contains($0.name) }.map(\.value) + basicSecrets
        if let authorization = header("Authorization") {
            secrets.append(authorization)
            if let space = authorization.firstIndex(of: " ") { secrets.append(String(authorization[authorization.index(after: space)...])) }
        }
        return secrets.filter { !$0.isEmpty }
    }
    public var description: String { "TokenRequest(POST \(url.description), grant_type: \(grantType))" }

    public func field(_ name: String) -> String? { fields.first { $0.name == name }?.value }
    public func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.name.lowercased() == wanted }?.value
    }

    /// `authorization_code` (oauth.md §2 step 11): code, redirect_uri, code_verifier and resource; never audience.
    public static func authorizationCode(
        tokenEndpoint: OAuthURL, code: String, redirectURI: String, codeVerifier: String, resource: String,
        client: ClientCredentials, now: Int64, policy: URLSchemePolicy = .init()
    ) throws(MCPError) -> TokenRequest {
        try build(tokenEndpoint, grantType: "authorization_code",
            [("code", code), ("redirect_uri", redirectURI), ("code_verifier", codeVerifier), ("resource", resource)],
            client: client, now: now, policy: policy)
    }

    /// `refresh_token` (oauth.md §2 step 14). Pass `scopes: nil` for the retry after the AS rejected the scope.
    public static func refresh(
        tokenEndpoint: OAuthURL, refreshToken: String, scopes: [String]?, resource: String, audience: String? = nil,
        client: ClientCredentials, now: Int64, policy: URLSchemePolicy = .init()
    ) throws(MCPError) -> TokenRequest {
        var fields = [("refresh_token", refreshToken)]
        if let scopes, !scopes.isEmpty { fields.append(("scope", Scopes.join(scopes))) }
        fields.append(("resource", resource))
        if let audience { fields.append(("audience", audience)) }
        return try build(tokenEndpoint, grantType: "refresh_token", fields, client: client, now: now, policy: policy)
    }

    /// `client_credentials` (the client-credentials extension, SEP-1046).
    public static func clientCredentials(
        tokenEndpoint: OAuthURL, scopes: [String]?, resource: String, client: ClientCredentials, now: Int64,
        policy: URLSchemePolicy = .init()
    ) throws(MCPError) -> TokenRequest {
        var fields: [(String, String)] = []
        if let scopes, !scopes.isEmpty { fields.append(("scope", Scopes.join(scopes))) }
        fields.append(("resource", resource))
        return try build(tokenEndpoint, grantType: "client_credentials", fields, client: client, now: now, policy: policy)
    }

    static func build(
        _ endpoint: OAuthURL, grantType: String, _ grantFields: [(String, String)], client: ClientCredentials, now: Int64,
        policy: URLSchemePolicy
    ) throws(MCPError) -> TokenRequest {
        try policy.check(endpoint, role: "token_endpoint")
        var fields: [(name: String, value: String)] = [("grant_type", grantType)] + grantFields.map { (name: $0.0, value: $0.1) }
        var headers = [HTTPField(name: "Content-Type", value: "application/x-www-form-urlencoded"), HTTPField(name: "Accept", value: "application/json")]
        var basicSecrets: [String] = []
        func requireSecret() throws(MCPError) -> String {
            guard let secret = client.clientSecret, !secret.isEmpty else {
                throw MCPError(.config, "\(client.method.rawValue) needs a client secret", source: .auth, details: ["reason": "missing_client_secret"])
            }
            return secret
        }
        switch client.method {
        case .clientSecretBasic:
            // RFC 6749 §2.3.1: both halves are form-urlencoded before joining, so a ":" in the id cannot shift the split.
            let pair = FormEncoding.encode(client.clientID) + ":" + FormEncoding.encode(try requireSecret())
            headers.append(HTTPField(name: "Authorization", value: "Basic " + Base64.encode(Array(pair.utf8))))
            basicSecrets = [try requireSecret()]
            // §3.2.1 allows the id in the body as well, and servers such as the Python SDK's require it there.
            fields.append(("client_id", client.clientID))
        case .clientSecretPost:
            fields.append(("client_id", client.clientID))
            fields.append(("client_secret", try requireSecret()))
        case .publicClient:
            fields.append(("client_id", client.clientID))
        case .privateKeyJWT:
            guard let key = client.signingKey else {
                throw MCPError(.config, "private_key_jwt needs a signing key", source: .auth, details: ["reason": "missing_signing_key"])
            }
            let assertion = try ClientAssertion.make(clientID: client.clientID, audience: endpoint.string, key: key, now: now)
            fields.append(("client_id", client.clientID))
            fields.append(("client_assertion_type", ClientAssertion.type))
            fields.append(("client_assertion", assertion))
        }
        var request = TokenRequest(url: endpoint, grantType: grantType, headers: headers, fields: fields)
        request.basicSecrets = basicSecrets
        return request
    }
}
