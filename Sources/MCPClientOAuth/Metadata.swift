public import MCPClientCore

/// Metadata documents are small; anything bigger is refused before parsing.
public enum MetadataLimits {
    public static let maxDocumentBytes = 256 * 1024
    public static let maxListEntries = 256

    static func parseObject(_ bytes: [UInt8], document: String) throws(MCPError) -> JSONObject {
        guard bytes.count <= maxDocumentBytes else {
            throw MCPError(.protocolError, "\(document) is larger than \(maxDocumentBytes) bytes", source: .auth,
                details: ["reason": "metadata_too_large", "document": .string(document)])
        }
        let value: JSONValue
        do { value = try JSONParser.parse(bytes, maxDepth: 32) } catch {
            throw MCPError(.protocolError, "\(document) is not valid JSON: \(error)", source: .auth,
                details: ["reason": "metadata_invalid_json", "document": .string(document)])
        }
        guard let object = value.objectValue else {
            throw invalid(document, "is not a JSON object", reason: "metadata_not_object")
        }
        return object
    }

    static func invalid(_ document: String, _ message: String, reason: String) -> MCPError {
        MCPError(.protocolError, "\(document) \(message)", source: .auth, details: ["reason": .string(reason), "document": .string(document)])
    }

    /// A string array member; nil when absent; non-strings are an error.
    static func strings(_ object: JSONObject, _ key: String, document: String) throws(MCPError) -> [String]? {
        guard let value = object[key], !value.isNull else { return nil }
        guard let array = value.arrayValue, array.count <= maxListEntries else {
            throw invalid(document, "\(key) must be an array of at most \(maxListEntries) strings", reason: "metadata_invalid_field")
        }
        var result: [String] = []
        for element in array {
            guard let string = element.stringValue else {
                throw invalid(document, "\(key) must contain only strings", reason: "metadata_invalid_field")
            }
            result.append(string)
        }
        return result
    }

    static func string(_ object: JSONObject, _ key: String, document: String) throws(MCPError) -> String? {
        guard let value = object[key], !value.isNull else { return nil }
        guard let string = value.stringValue else {
            throw invalid(document, "\(key) must be a string", reason: "metadata_invalid_field")
        }
        return string
    }
}

/// RFC 9728 Protected Resource Metadata, validated against the MCP server it describes.
public struct ProtectedResourceMetadata: Sendable, Equatable {
    public var resource: String
    public var authorizationServers: [String]
    public var scopesSupported: [String]?
    public var raw: JSONObject

    /// Checks oauth.md §2 step 3: `authorization_servers` has at least one entry and `resource` matches the server
    /// (same origin, path prefix). A mismatch is refused: it is how a server points the client at someone else's AS.
    public static func parse(_ bytes: [UInt8], serverURL: OAuthURL) throws(MCPError) -> ProtectedResourceMetadata {
        let document = "protected resource metadata"
        let object = try MetadataLimits.parseObject(bytes, document: document)
        guard let resource = try MetadataLimits.string(object, "resource", document: document) else {
            throw MetadataLimits.invalid(document, "has no resource", reason: "prm_missing_resource")
        }
        guard ResourceIndicator.matches(resource: resource, serverURL: serverURL) else {
            throw MCPError(.policy, "protected resource metadata is for another resource than this server", source: .auth,
                details: ["reason": "resource_mismatch", "resource": .string(resource), "server": .string(serverURL.description)])
        }
        guard let servers = try MetadataLimits.strings(object, "authorization_servers", document: document), !servers.isEmpty else {
            throw MetadataLimits.invalid(document, "lists no authorization_servers", reason: "prm_missing_authorization_servers")
        }
        let scopes = try MetadataLimits.strings(object, "scopes_supported", document: document)
        return ProtectedResourceMetadata(resource: resource, authorizationServers: servers, scopesSupported: scopes, raw: object)
    }
}

/// RFC 8414 / OpenID Connect Discovery metadata for one authorization server.
public struct AuthorizationServerMetadata: Sendable, Equatable {
    public enum Source: String, Sendable {
        /// Fetched from a discovery URL built from the issuer.
        case discovered
        /// The 2025-03-26 metadata at the MCP server's origin.
        case legacyMetadata
        /// The 2025-03-26 default endpoints; nothing was fetched.
        case legacyDefaults
        /// The operator's pinned `authorization_url` and `token_url`; nothing was fetched.
        case configured
    }

    public var issuer: String
    public var authorizationEndpoint: OAuthURL?
    public var tokenEndpoint: OAuthURL
    public var registrationEndpoint: OAuthURL?
    public var revocationEndpoint: OAuthURL?
    public var scopesSupported: [String]?
    public var responseTypesSupported: [String]?
    public var grantTypesSupported: [String]?
    public var codeChallengeMethodsSupported: [String]?
    public var tokenEndpointAuthMethodsSupported: [String]?
    public var revocationEndpointAuthMethodsSupported: [String]?
    /// RFC 9207: the AS puts `iss` in authorization responses.
    public var authorizationResponseIssParameterSupported: Bool
    public var clientIDMetadataDocumentSupported: Bool
    public var source: Source
    public var raw: JSONObject

    public init(
        issuer: String, authorizationEndpoint: OAuthURL?, tokenEndpoint: OAuthURL, registrationEndpoint: OAuthURL? = nil,
        revocationEndpoint: OAuthURL? = nil, scopesSupported: [String]? = nil, responseTypesSupported: [String]? = nil,
        grantTypesSupported: [String]? = nil, codeChallengeMethodsSupported: [String]? = nil,
        tokenEndpointAuthMethodsSupported: [String]? = nil, revocationEndpointAuthMethodsSupported: [String]? = nil,
        authorizationResponseIssParameterSupported: Bool = false, clientIDMetadataDocumentSupported: Bool = false,
        source: Source = .discovered, raw: JSONObject = [:]
    ) {
        self.issuer = issuer
        self.authorizationEndpoint = authorizationEndpoint
        self.tokenEndpoint = tokenEndpoint
        self.registrationEndpoint = registrationEndpoint
        self.revocationEndpoint = revocationEndpoint
        self.scopesSupported = scopesSupported
        self.responseTypesSupported = responseTypesSupported
        self.grantTypesSupported = grantTypesSupported
        self.codeChallengeMethodsSupported = codeChallengeMethodsSupported
        self.tokenEndpointAuthMethodsSupported = tokenEndpointAuthMethodsSupported
        self.revocationEndpointAuthMethodsSupported = revocationEndpointAuthMethodsSupported
        self.authorizationResponseIssParameterSupported = authorizationResponseIssParameterSupported
        self.clientIDMetadataDocumentSupported = clientIDMetadataDocumentSupported
        self.source = source
        self.raw = raw
    }

    /// Parses and validates fetched metadata. `expectedIssuer` is the issuer the discovery URL was built from; the
    /// document's `issuer` must be identical to it, byte for byte (2026-07-28, `auth/metadata-issuer-mismatch`).
    /// Pass nil only for the 2025-03-26 metadata at the server's origin, which that revision did not bind.
    /// Every endpoint must pass `policy`.
    public static func parse(
        _ bytes: [UInt8], expectedIssuer: String?, policy: URLSchemePolicy = .init(), source: Source = .discovered
    ) throws(MCPError) -> AuthorizationServerMetadata {
        let document = "authorization server metadata"
        let object = try MetadataLimits.parseObject(bytes, document: document)
        guard let issuer = try MetadataLimits.string(object, "issuer", document: document) else {
            throw MetadataLimits.invalid(document, "has no issuer", reason: "as_missing_issuer")
        }
        if let expectedIssuer, issuer != expectedIssuer {
            throw MCPError(.policy, "authorization server metadata names a different issuer than the one it was discovered for",
                source: .auth, details: ["reason": "issuer_mismatch", "expected": .string(expectedIssuer), "actual": .string(issuer)])
        }
        func endpoint(_ key: String) throws(MCPError) -> OAuthURL? {
            guard let text = try MetadataLimits.string(object, key, document: document) else { return nil }
            let url = try policy.check(text, role: key)
            guard !url.hasFragment else {
                throw MCPError(.policy, "\(key) must not have a fragment", source: .auth, details: ["reason": "fragment", "role": .string(key)])
            }
            return url
        }
        guard let tokenEndpoint = try endpoint("token_endpoint") else {
            throw MetadataLimits.invalid(document, "has no token_endpoint", reason: "as_missing_token_endpoint")
        }
        func flag(_ key: String) -> Bool { object[key]?.boolValue ?? false }
        return AuthorizationServerMetadata(
            issuer: issuer,
            authorizationEndpoint: try endpoint("authorization_endpoint"),
            tokenEndpoint: tokenEndpoint,
            registrationEndpoint: try endpoint("registration_endpoint"),
            revocationEndpoint: try endpoint("revocation_endpoint"),
            scopesSupported: try MetadataLimits.strings(object, "scopes_supported", document: document),
            responseTypesSupported: try MetadataLimits.strings(object, "response_types_supported", document: document),
            grantTypesSupported: try MetadataLimits.strings(object, "grant_types_supported", document: document),
            codeChallengeMethodsSupported: try MetadataLimits.strings(object, "code_challenge_methods_supported", document: document),
            tokenEndpointAuthMethodsSupported: try MetadataLimits.strings(object, "token_endpoint_auth_methods_supported", document: document),
            revocationEndpointAuthMethodsSupported: try MetadataLimits.strings(
                object, "revocation_endpoint_auth_methods_supported", document: document),
            authorizationResponseIssParameterSupported: flag("authorization_response_iss_parameter_supported"),
            clientIDMetadataDocumentSupported: flag("client_id_metadata_document_supported"),
            source: source, raw: object)
    }

    /// oauth.md §2 step 6. Without `code_challenge_methods_supported`, or without S256 in it, the flow stops, unless
    /// the operator set the per-server override (LibreChat's `skip_code_challenge_check`, for Cognito). S256 is
    /// sent either way. Returns whether the override was needed, so the caller can log a warning.
    @discardableResult
    public func requirePKCES256(override: Bool = false) throws(MCPError) -> Bool {
        if codeChallengeMethodsSupported?.contains("S256") == true { return false }
        if override { return true }
        let absent = codeChallengeMethodsSupported == nil
        throw MCPError(.policy,
            absent ? "authorization server metadata has no code_challenge_methods_supported; PKCE support cannot be confirmed"
                : "authorization server does not support PKCE S256",
            source: .auth, details: ["reason": .string(absent ? "pkce_not_advertised" : "pkce_s256_unsupported"), "issuer": .string(issuer)])
    }

    /// The authorization endpoint, which a code flow cannot do without.
    public func requireAuthorizationEndpoint() throws(MCPError) -> OAuthURL {
        guard let authorizationEndpoint else {
            throw MCPError(.protocolError, "authorization server metadata has no authorization_endpoint", source: .auth,
                details: ["reason": "as_missing_authorization_endpoint", "issuer": .string(issuer)])
        }
        return authorizationEndpoint
    }
}
