public import MCPClientCore

/// oauth.md §2 step 7: how the client identifies itself to an authorization server, in preference order.
public enum RegistrationStrategy: Sendable, Equatable {
    /// Credentials configured for this issuer.
    case preRegistered
    /// The host's client ID metadata document URL is the `client_id`.
    case clientIDMetadataDocument(clientID: String)
    /// RFC 7591 at the AS's `registration_endpoint`.
    case dynamic(endpoint: OAuthURL)
    /// Nothing applies: the host must supply client information.
    case needsClientInformation

    /// Pre-registered, then CIMD when the AS advertises it and the host gave a URL, then DCR, then the host.
    public static func choose(
        hasPreRegisteredClient: Bool, clientIDMetadataDocumentURL: String?, metadata: AuthorizationServerMetadata
    ) throws(MCPError) -> RegistrationStrategy {
        if hasPreRegisteredClient { return .preRegistered }
        if metadata.clientIDMetadataDocumentSupported, let url = clientIDMetadataDocumentURL {
            try ClientIDMetadataDocument.validateClientID(url)
            return .clientIDMetadataDocument(clientID: url)
        }
        if let endpoint = metadata.registrationEndpoint { return .dynamic(endpoint: endpoint) }
        return .needsClientInformation
    }
}

/// draft-ietf-oauth-client-id-metadata-document: the document a host publishes at its `client_id` URL.
public enum ClientIDMetadataDocument {
    /// The `client_id` must be an https URL with a path (not just an origin) and no fragment.
    public static func validateClientID(_ clientID: String) throws(MCPError) {
        let url = try URLSchemePolicy(allowLoopbackHTTP: false).check(clientID, role: "client_id_metadata_document")
        guard url.path.count > 1, !url.hasFragment else {
            throw MCPError(.config, "a client ID metadata document URL needs a path and no fragment", source: .config,
                details: ["reason": "cimd_invalid_client_id"])
        }
    }

    /// The minimal document: `client_id` (exactly its own URL), `client_name` and `redirect_uris`, plus the grant and
    /// response types and `token_endpoint_auth_method` `none` (a public client).
    public static func document(clientID: String, clientName: String, redirectURIs: [String]) throws(MCPError) -> JSONValue {
        try validateClientID(clientID)
        return [
            "client_id": .string(clientID), "client_name": .string(clientName), "redirect_uris": .array(redirectURIs.map { .string($0) }),
            "grant_types": ["authorization_code", "refresh_token"], "response_types": ["code"], "token_endpoint_auth_method": "none",
        ]
    }
}
