public import MCPClientCore

/// OIDC Dynamic Registration `application_type` (SEP-837): the MCP spec makes the client send it.
public enum ApplicationType: String, Sendable {
    case native
    case web

    /// `native` for loopback or custom-scheme redirects (desktop, CLI, mobile), `web` for remote https redirects.
    public static func forRedirectURI(_ redirectURI: String) -> ApplicationType {
        guard let url = try? OAuthURL(redirectURI), url.scheme == "https" || url.scheme == "http" else { return .native }
        return url.isLoopback ? .native : .web
    }
}

/// An RFC 7591 registration request body.
public struct ClientRegistrationRequest: Sendable, Equatable {
    public var clientName: String
    public var redirectURIs: [String]
    public var applicationType: ApplicationType
    public var grantTypes: [String]
    public var responseTypes: [String]
    public var tokenEndpointAuthMethod: ClientAuthMethod
    public var scope: String?

    /// LibreChat's choices, plus `application_type`: grant types `authorization_code` and `refresh_token` (unless the
    /// AS lists grant types without it), response type `code`, the auth method forced, else the first advertised
    /// one this library implements, else `none`.
    public init(
        metadata: AuthorizationServerMetadata, clientName: String, redirectURIs: [String], applicationType: ApplicationType? = nil,
        forcedAuthMethod: ClientAuthMethod? = nil, scopes: [String]? = nil
    ) {
        self.clientName = clientName
        self.redirectURIs = redirectURIs
        self.applicationType = applicationType ?? redirectURIs.first.map(ApplicationType.forRedirectURI) ?? .native
        var grants = ["authorization_code"]
        if metadata.grantTypesSupported?.contains("refresh_token") ?? true { grants.append("refresh_token") }
        grantTypes = grants
        responseTypes = ["code"]
        let implemented: [ClientAuthMethod] = [.clientSecretBasic, .clientSecretPost, .publicClient]
        let advertised = metadata.tokenEndpointAuthMethodsSupported?.lazy.compactMap(ClientAuthMethod.init(rawValue:)).first { implemented.contains($0) }
        tokenEndpointAuthMethod = forcedAuthMethod ?? advertised ?? .publicClient
        scope = scopes.flatMap { $0.isEmpty ? nil : Scopes.join($0) }
    }

    public var json: JSONValue {
        var object: JSONObject = [
            "client_name": .string(clientName), "redirect_uris": .array(redirectURIs.map { .string($0) }),
            "application_type": .string(applicationType.rawValue), "grant_types": .array(grantTypes.map { .string($0) }),
            "response_types": .array(responseTypes.map { .string($0) }), "token_endpoint_auth_method": .string(tokenEndpointAuthMethod.rawValue),
        ]
        if let scope { object["scope"] = .string(scope) }
        return .object(object)
    }
}

/// A client registration, bound to the authorization server and resource it was made for (SEP-2352 issuer binding,
/// LibreChat's reuse rule). `description` hides the secret.
public struct ClientRegistration: Sendable, Equatable, CustomStringConvertible {
    public enum Provenance: String, Sendable {
        case preRegistered = "pre_registered"
        case metadataDocument = "client_id_metadata_document"
        case dynamic
    }

    public var clientID: String
    public var clientSecret: String?
    /// Unix seconds; nil or 0 means the secret does not expire (RFC 7591 §3.2.1).
    public var clientSecretExpiresAt: Int64?
    public var tokenEndpointAuthMethod: ClientAuthMethod
    public var provenance: Provenance
    public var issuer: String
    public var redirectURI: String
    public var tokenEndpoint: String
    public var resource: String
    public var registeredAt: Int64

    public init(
        clientID: String, clientSecret: String? = nil, clientSecretExpiresAt: Int64? = nil, tokenEndpointAuthMethod: ClientAuthMethod,
        provenance: Provenance, issuer: String, redirectURI: String, tokenEndpoint: String, resource: String, registeredAt: Int64
    ) {
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.clientSecretExpiresAt = clientSecretExpiresAt
        self.tokenEndpointAuthMethod = tokenEndpointAuthMethod
        self.provenance = provenance
        self.issuer = issuer
        self.redirectURI = redirectURI
        self.tokenEndpoint = tokenEndpoint
        self.resource = resource
        self.registeredAt = registeredAt
    }

    public var description: String {
        "ClientRegistration(client_id: \(clientID), \(provenance.rawValue), issuer: \(issuer), secret: \(clientSecret == nil ? "absent" : "[redacted]"))"
    }

    /// Reuse only while everything it was bound to is unchanged and its secret has not expired; otherwise the client
    /// must register again (`auth/authorization-server-migration`). Exact string comparisons throughout.
    public func isReusable(issuer: String, redirectURI: String, tokenEndpoint: String, resource: String, now: Int64) -> Bool {
        guard self.issuer == issuer, self.redirectURI == redirectURI, self.tokenEndpoint == tokenEndpoint, self.resource == resource else {
            return false
        }
        if let expiry = clientSecretExpiresAt, expiry != 0, expiry <= now { return false }
        return true
    }

    public var credentials: ClientCredentials {
        ClientCredentials(clientID: clientID, clientSecret: clientSecret, method: tokenEndpointAuthMethod)
    }

    /// Parses an RFC 7591 §3.2 response (status 201, or 200 from lenient servers) for a request this library made.
    /// The AS may change the auth method or redirect URIs; a response without our redirect URI is refused.
    public static func parseResponse(
        status: Int, body: [UInt8], request: ClientRegistrationRequest, issuer: String, tokenEndpoint: String, resource: String, now: Int64
    ) throws(MCPError) -> ClientRegistration {
        guard body.count <= MetadataLimits.maxDocumentBytes else {
            throw MCPError(.protocolError, "registration response is too large", source: .auth, details: ["reason": "registration_invalid"])
        }
        let object = (try? JSONParser.parse(body, maxDepth: 16))?.objectValue
        guard (200...299).contains(status) else {
            // RFC 7591 §3.2.2 errors (invalid_redirect_uri, invalid_client_metadata, …) are surfaced to the host.
            var details: JSONObject = ["reason": "registration_rejected", "status": .int(Int64(status))]
            if let error = object?["error"]?.stringValue { details["error"] = .string(AuthorizationCallback.printable(error, limit: 64)) }
            if let text = object?["error_description"]?.stringValue {
                details["error_description"] = .string(AuthorizationCallback.printable(text, limit: 300))
            }
            throw MCPError(.auth, "the authorization server refused the client registration", source: .auth, details: details)
        }
        guard let object, let clientID = object["client_id"]?.stringValue, !clientID.isEmpty else {
            throw MCPError(.protocolError, "registration response has no client_id", source: .auth, details: ["reason": "registration_invalid"])
        }
        let redirectURI = request.redirectURIs.first ?? ""
        if let echoed = try MetadataLimits.strings(object, "redirect_uris", document: "registration response"), !echoed.contains(redirectURI) {
            throw MCPError(.auth, "the authorization server registered different redirect URIs", source: .auth,
                details: ["reason": "registration_redirect_mismatch"])
        }
        let method = object["token_endpoint_auth_method"]?.stringValue.flatMap(ClientAuthMethod.init(rawValue:)) ?? request.tokenEndpointAuthMethod
        let secret = object["client_secret"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        return ClientRegistration(
            clientID: clientID, clientSecret: secret, clientSecretExpiresAt: object["client_secret_expires_at"]?.int64Value,
            tokenEndpointAuthMethod: secret == nil && method != .privateKeyJWT ? .publicClient : method, provenance: .dynamic,
            issuer: issuer, redirectURI: redirectURI, tokenEndpoint: tokenEndpoint, resource: resource, registeredAt: now)
    }

    public var json: JSONValue {
        var object: JSONObject = [
            "client_id": .string(clientID), "token_endpoint_auth_method": .string(tokenEndpointAuthMethod.rawValue),
            "provenance": .string(provenance.rawValue), "issuer": .string(issuer), "redirect_uri": .string(redirectURI),
            "token_endpoint": .string(tokenEndpoint), "resource": .string(resource), "registered_at": .int(registeredAt),
        ]
        if let clientSecret { object["client_secret"] = .string(clientSecret) }
        if let clientSecretExpiresAt { object["client_secret_expires_at"] = .int(clientSecretExpiresAt) }
        return .object(object)
    }

    public init(json: JSONValue) throws(MCPError) {
        guard let clientID = json["client_id"]?.stringValue, let issuer = json["issuer"]?.stringValue,
            let redirectURI = json["redirect_uri"]?.stringValue, let tokenEndpoint = json["token_endpoint"]?.stringValue,
            let resource = json["resource"]?.stringValue,
            let method = json["token_endpoint_auth_method"]?.stringValue.flatMap(ClientAuthMethod.init(rawValue:)),
            let provenance = json["provenance"]?.stringValue.flatMap(Provenance.init(rawValue:))
        else { throw MCPError(.invalid, "stored registration record is incomplete", source: .auth, details: ["reason": "record_invalid"]) }
        self.init(
            clientID: clientID, clientSecret: json["client_secret"]?.stringValue, clientSecretExpiresAt: json["client_secret_expires_at"]?.int64Value,
            tokenEndpointAuthMethod: method, provenance: provenance, issuer: issuer, redirectURI: redirectURI, tokenEndpoint: tokenEndpoint,
            resource: resource, registeredAt: json["registered_at"]?.int64Value ?? 0)
    }
}
