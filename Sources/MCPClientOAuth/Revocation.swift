public import MCPClientCore

/// An RFC 7009 revocation POST, ready for the HTTP layer: the token, an optional `token_type_hint`, and the client's
/// authentication (the same code as the token endpoint's). `description` shows the endpoint, hint and method only.
public struct RevocationRequest: Sendable, CustomStringConvertible {
    public enum TokenTypeHint: String, Sendable {
        case accessToken = "access_token"
        case refreshToken = "refresh_token"
    }

    public var url: OAuthURL
    public var hint: TokenTypeHint?
    public var method: ClientAuthMethod
    public var headers: [TokenRequest.HTTPField]
    public var fields: [(name: String, value: String)]
    var basicSecrets: [String] = []

    public var body: String { FormEncoding.body(fields.map { ($0.name, $0.value) }) }
    public var description: String {
        "RevocationRequest(POST \(url.description), token_type_hint: \(hint?.rawValue ?? "none"), auth: \(method.rawValue))"
    }

    public func field(_ name: String) -> String? { fields.first { $0.name == name }?.value }
    public func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.name.lowercased() == wanted }?.value
    }

    static let secretFields: Set<String> = ["token", "client_secret", "client_assertion"]

    /// The token and the client's secrets, cut out of any error text the AS echoes.
    public var sentSecrets: [String] {
        ClientAuthentication.sentSecrets(
            fields: fields, secretFields: Self.secretFields, authorization: header("Authorization"), basicSecrets: basicSecrets)
    }

    /// From AS metadata: its `revocation_endpoint` (none: `revocation_unsupported`), the client authentication
    /// method chosen by `ClientAuthMethod.forRevocation` against `revocation_endpoint_auth_methods_supported`, and a
    /// `private_key_jwt` assertion whose `aud` is the token endpoint (OIDC Core §9's audience for every endpoint).
    public static func build(
        metadata: AuthorizationServerMetadata, token: String, hint: TokenTypeHint?, client: ClientCredentials, now: Int64,
        policy: URLSchemePolicy = .init()
    ) throws(MCPError) -> RevocationRequest {
        guard let endpoint = metadata.revocationEndpoint else {
            throw MCPError(.unsupported, "the authorization server offers no token revocation", source: .auth,
                details: ["reason": "revocation_unsupported", "issuer": .string(metadata.issuer)])
        }
        var client = client
        client.method = ClientAuthMethod.forRevocation(
            registered: client.method, supported: metadata.revocationEndpointAuthMethodsSupported,
            hasSecret: client.clientSecret?.isEmpty == false, hasSigningKey: client.signingKey != nil)
        return try build(
            revocationEndpoint: endpoint, token: token, hint: hint, client: client, assertionAudience: metadata.tokenEndpoint.string,
            now: now, policy: policy)
    }

    /// An explicit endpoint, with `client.method` as given.
    public static func build(
        revocationEndpoint endpoint: OAuthURL, token: String, hint: TokenTypeHint?, client: ClientCredentials, assertionAudience: String,
        now: Int64, policy: URLSchemePolicy = .init()
    ) throws(MCPError) -> RevocationRequest {
        try policy.check(endpoint, role: "revocation_endpoint")
        guard !token.isEmpty else {
            throw MCPError(.invalid, "there is no token to revoke", source: .auth, details: ["reason": "missing_token"])
        }
        let authentication = try ClientAuthentication.make(client, assertionAudience: assertionAudience, now: now)
        var fields: [(name: String, value: String)] = [("token", token)]
        if let hint { fields.append(("token_type_hint", hint.rawValue)) }
        var request = RevocationRequest(
            url: endpoint, hint: hint, method: client.method, headers: ClientAuthentication.formHeaders + authentication.headers,
            fields: fields + authentication.fields)
        request.basicSecrets = authentication.basicSecrets
        return request
    }
}

extension ClientAuthMethod {
    /// The method for the revocation endpoint: the client's own (token endpoint) method when the AS lists it; else,
    /// with a secret, `client_secret_basic` then `client_secret_post`; with a key, `private_key_jwt`; else `none`
    /// when listed. An absent list means `client_secret_basic` alone (RFC 8414 §2). When nothing fits, the client's
    /// own method is kept and the AS decides.
    public static func forRevocation(
        registered: ClientAuthMethod, supported: [String]?, hasSecret: Bool, hasSigningKey: Bool
    ) -> ClientAuthMethod {
        let supported = supported ?? [ClientAuthMethod.clientSecretBasic.rawValue]
        func listed(_ method: ClientAuthMethod) -> Bool { supported.contains(method.rawValue) }
        if listed(registered) { return registered }
        if hasSecret {
            if listed(.clientSecretBasic) { return .clientSecretBasic }
            if listed(.clientSecretPost) { return .clientSecretPost }
        }
        if hasSigningKey, listed(.privateKeyJWT) { return .privateKeyJWT }
        if listed(.publicClient) { return .publicClient }
        return registered
    }
}

extension OAuthHTTPClient {
    static let revocationErrors: Set<String> = ["invalid_client", "invalid_request", "unsupported_token_type", "unauthorized_client"]

    /// POSTs an RFC 7009 revocation (never redirected; the URL passes the scheme and network policies as token
    /// requests do). A 2xx means done, whether or not the AS knew the token (§2.2). Otherwise the error's
    /// `details.reason` is the AS's `invalid_client`, `invalid_request`, `unsupported_token_type` or
    /// `unauthorized_client`, else `revocation_failed`; the token and client secrets are cut from echoed text.
    public func revoke(_ request: RevocationRequest) throws(MCPError) {
        let response = try send(
            method: "POST", url: request.url.string, headers: request.headers.map { (name: $0.name, value: $0.value) },
            body: Array(request.body.utf8), role: "revocation_endpoint")
        if (200...299).contains(response.status) { return }
        let object = response.body.count <= TokenResponse.maxBodyBytes ? (try? JSONParser.parse(response.body, maxDepth: 16))?.objectValue : nil
        throw TokenResponse.endpointError(
            status: response.status, object: object, sentSecrets: request.sentSecrets, endpoint: "revocation endpoint",
            known: Self.revocationErrors, fallback: "revocation_failed")
    }
}
