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
        ClientAuthentication.sentSecrets(
            fields: fields, secretFields: Self.secretFields, authorization: header("Authorization"), basicSecrets: basicSecrets)
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
        let authentication = try ClientAuthentication.make(client, assertionAudience: endpoint.string, now: now)
        var request = TokenRequest(
            url: endpoint, grantType: grantType, headers: ClientAuthentication.formHeaders + authentication.headers,
            fields: [("grant_type", grantType)] + grantFields.map { (name: $0.0, value: $0.1) } + authentication.fields)
        request.basicSecrets = authentication.basicSecrets
        return request
    }
}

/// How a client proves who it is in a form POST to the AS (token and revocation endpoints, oauth.md §3): the
/// headers and fields to add, and the secrets they carry.
struct ClientAuthentication {
    var headers: [TokenRequest.HTTPField] = []
    var fields: [(name: String, value: String)] = []
    /// A `client_secret_basic` secret, which travels only inside the Authorization header.
    var basicSecrets: [String] = []

    static let formHeaders = [
        TokenRequest.HTTPField(name: "Content-Type", value: "application/x-www-form-urlencoded"),
        TokenRequest.HTTPField(name: "Accept", value: "application/json"),
    ]

    /// `assertionAudience` is the `aud` of a `private_key_jwt` assertion.
    static func make(_ client: ClientCredentials, assertionAudience: String, now: Int64) throws(MCPError) -> ClientAuthentication {
        func requireSecret() throws(MCPError) -> String {
            guard let secret = client.clientSecret, !secret.isEmpty else {
                throw MCPError(.config, "\(client.method.rawValue) needs a client secret", source: .auth, details: ["reason": "missing_client_secret"])
            }
            return secret
        }
        var result = ClientAuthentication()
        switch client.method {
        case .clientSecretBasic:
            // RFC 6749 §2.3.1: both halves are encoded before joining, so a ":" in the id cannot shift the split. A space
            // is sent as %20, not "+": form decoders read both, but authlib and the python-sdk only percent-decode.
            let secret = try requireSecret()
            let pair = FormEncoding.percentEncode(client.clientID) + ":" + FormEncoding.percentEncode(secret)
            result.headers.append(TokenRequest.HTTPField(name: "Authorization", value: "Basic " + Base64.encode(Array(pair.utf8))))
            result.basicSecrets = [secret]
            // §3.2.1 allows the id in the body as well, and servers such as the Python SDK's require it there.
            result.fields.append(("client_id", client.clientID))
        case .clientSecretPost:
            result.fields.append(("client_id", client.clientID))
            result.fields.append(("client_secret", try requireSecret()))
        case .publicClient:
            result.fields.append(("client_id", client.clientID))
        case .privateKeyJWT:
            guard let key = client.signingKey else {
                throw MCPError(.config, "private_key_jwt needs a signing key", source: .auth, details: ["reason": "missing_signing_key"])
            }
            let assertion = try ClientAssertion.make(clientID: client.clientID, audience: assertionAudience, key: key, now: now)
            result.fields.append(("client_id", client.clientID))
            result.fields.append(("client_assertion_type", ClientAssertion.type))
            result.fields.append(("client_assertion", assertion))
        }
        return result
    }

    /// Every secret a request carries, in each form an error body might echo it: the named fields' values, a Basic
    /// secret in plain form, and the Authorization value whole and without its scheme.
    static func sentSecrets(
        fields: [(name: String, value: String)], secretFields: Set<String>, authorization: String?, basicSecrets: [String]
    ) -> [String] {
        var secrets = fields.filter { secretFields.contains($0.name) }.map(\.value) + basicSecrets
        if let authorization {
            secrets.append(authorization)
            if let space = authorization.firstIndex(of: " ") { secrets.append(String(authorization[authorization.index(after: space)...])) }
        }
        return secrets.filter { !$0.isEmpty }
    }
}
