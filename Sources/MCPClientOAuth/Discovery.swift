public import MCPClientCore

/// Where to look for metadata, in the order the MCP authorization spec gives (oauth.md §2 steps 2 and 5, §4).
/// Pure: the fetching layer walks these lists and stops at the first document that validates.
public enum Discovery {
    /// RFC 9728 Protected Resource Metadata candidates for an MCP server.
    public struct ResourceMetadataCandidates: Sendable, Equatable {
        public var urls: [OAuthURL]
        /// Set when the challenge's `resource_metadata` hint was unusable and left out.
        public var rejectedHint: MCPError?
    }

    /// The `resource_metadata` hint first, then the path-inserted well-known URI, then the root one.
    public static func resourceMetadataCandidates(
        serverURL: OAuthURL, hint: String?, policy: URLSchemePolicy = .init()
    ) -> ResourceMetadataCandidates {
        var urls: [OAuthURL] = []
        var rejected: MCPError?
        if let hint {
            do throws(MCPError) {
                let url = try policy.check(hint, role: "resource_metadata")
                guard !url.hasFragment else {
                    throw MCPError(.policy, "resource_metadata must not have a fragment", details: ["reason": "fragment"])
                }
                urls.append(url)
            } catch { rejected = error }
        }
        let path = trimmingTrailingSlash(serverURL.path)
        if !path.isEmpty { urls.append(serverURL.with(path: "/.well-known/oauth-protected-resource" + path)) }
        urls.append(serverURL.with(path: "/.well-known/oauth-protected-resource"))
        return ResourceMetadataCandidates(urls: deduplicated(urls), rejectedHint: rejected)
    }

    /// RFC 8414 and OpenID Connect Discovery URLs for an issuer, in the spec's order. Issuers with a path try the
    /// path-inserted forms first and OIDC's appended form last.
    public static func authorizationServerMetadataCandidates(issuer: String, policy: URLSchemePolicy = .init()) throws(MCPError) -> [OAuthURL] {
        let url = try validatedIssuer(issuer, policy: policy)
        let path = trimmingTrailingSlash(url.path)
        if path.isEmpty {
            return [url.with(path: "/.well-known/oauth-authorization-server"), url.with(path: "/.well-known/openid-configuration")]
        }
        return [
            url.with(path: "/.well-known/oauth-authorization-server" + path),
            url.with(path: "/.well-known/openid-configuration" + path),
            url.with(path: path + "/.well-known/openid-configuration"),
        ]
    }

    /// RFC 8414 §2: an issuer is an https URL with no query or fragment.
    public static func validatedIssuer(_ issuer: String, policy: URLSchemePolicy = .init()) throws(MCPError) -> OAuthURL {
        let url = try policy.check(issuer, role: "issuer")
        guard url.query == nil, !url.hasFragment else {
            throw MCPError(.policy, "issuer must not have a query or fragment", details: ["reason": "invalid_issuer", "role": "issuer"])
        }
        return url
    }

    /// The 2025-03-26 revision (no PRM): AS metadata at the MCP server's origin, path discarded.
    public static func legacyMetadataURL(serverURL: OAuthURL) -> OAuthURL {
        serverURL.with(path: "/.well-known/oauth-authorization-server")
    }

    /// The 2025-03-26 default endpoints when even the legacy metadata is missing: `/authorize`, `/token` and
    /// `/register` on the server's origin. PKCE S256 is assumed, as that revision required it.
    public static func legacyDefaultMetadata(serverURL: OAuthURL) -> AuthorizationServerMetadata {
        let base = serverURL.with(path: "")
        return AuthorizationServerMetadata(
            issuer: base.origin,
            authorizationEndpoint: serverURL.with(path: "/authorize"),
            tokenEndpoint: serverURL.with(path: "/token"),
            registrationEndpoint: serverURL.with(path: "/register"),
            codeChallengeMethodsSupported: ["S256"],
            source: .legacyDefaults)
    }

    static func trimmingTrailingSlash(_ path: String) -> String {
        var path = path
        while path.hasSuffix("/") { path.removeLast() }
        return path
    }

    static func deduplicated(_ urls: [OAuthURL]) -> [OAuthURL] {
        var result: [OAuthURL] = []
        for url in urls where !result.contains(url) { result.append(url) }
        return result
    }
}

/// RFC 8707 resource indicators for the MCP server.
public enum ResourceIndicator {
    /// The canonical URI of an MCP server: lowercase scheme and host (done by the parser), no fragment, the
    /// default port dropped, and no trailing slash on the root path (`https://mcp.example.com`). Other paths and
    /// the query are kept as written: the most specific URI wins.
    public static func canonical(_ serverURL: OAuthURL) -> String {
        var url = serverURL
        url.hasFragment = false
        if url.port == OAuthURL.defaultPort(url.scheme) { url.port = nil }
        if url.path == "/" { url.path = "" }
        return url.string
    }

    /// RFC 9728 §3.3 as the TypeScript SDK and LibreChat implement it: the PRM's `resource` matches when it has the
    /// server's origin and its path is a segment-wise prefix of the server's path.
    public static func matches(resource: String, serverURL: OAuthURL) -> Bool {
        guard let resourceURL = try? OAuthURL(resource), !resourceURL.hasFragment, resourceURL.sameOrigin(serverURL) else { return false }
        let resourcePath = resourceURL.path.hasSuffix("/") ? resourceURL.path : resourceURL.path + "/"
        let serverPath = serverURL.path.hasSuffix("/") ? serverURL.path : serverURL.path + "/"
        return serverPath.hasPrefix(resourcePath)
    }
}
