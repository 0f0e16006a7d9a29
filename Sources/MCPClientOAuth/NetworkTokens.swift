public import MCPClientCore

extension OAuthHTTPClient {
    /// RFC 7591 dynamic registration at the AS's `registration_endpoint`; the result is bound to the issuer, token
    /// endpoint and resource (SEP-2352). Errors carry the AS's `error` (`invalid_redirect_uri`, …) in details.
    public func register(
        _ request: ClientRegistrationRequest, metadata: AuthorizationServerMetadata, resource: String, now: Int64
    ) throws(MCPError) -> ClientRegistration {
        guard let endpoint = metadata.registrationEndpoint else {
            throw MCPError(.unsupported, "the authorization server offers no dynamic client registration", source: .auth,
                details: ["reason": "registration_unsupported", "issuer": .string(metadata.issuer)])
        }
        let response = try send(
            method: "POST", url: endpoint.string,
            headers: [(name: "Content-Type", value: "application/json"), (name: "Accept", value: "application/json")],
            body: JSONWriter.serialize(request.json), role: "registration_endpoint")
        return try ClientRegistration.parseResponse(
            status: response.status, body: response.body, request: request, issuer: metadata.issuer,
            tokenEndpoint: metadata.tokenEndpoint.string, resource: resource, now: now)
    }

    /// POSTs a built token request (authorization_code, refresh_token or client_credentials) and parses the answer.
    /// Error responses map to the stable `details.reason` values of `TokenResponse`; whatever secrets the request
    /// carried are cut out of any text the AS echoes back.
    public func requestTokens(_ request: TokenRequest, now: Int64, previousRefreshToken: String? = nil) throws(MCPError) -> TokenSet {
        let response = try send(
            method: "POST", url: request.url.string, headers: request.headers.map { (name: $0.name, value: $0.value) },
            body: Array(request.body.utf8), role: "token_endpoint")
        return try TokenResponse.parse(
            status: response.status, body: response.body, now: now, previousRefreshToken: previousRefreshToken,
            sentSecrets: request.sentSecrets)
    }
}
