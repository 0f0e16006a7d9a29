public import MCPClientCore

/// What an unauthenticated request to the MCP server answered.
public struct ProbeResult: Sendable {
    public var status: Int
    public var challenges: [Challenge]
    /// The Bearer challenge, when the server sent one.
    public var bearer: Challenge? { challenges.first { $0.isBearer } }
    /// 401, or 403 with `insufficient_scope`: the server wants (more) authorization.
    public var requiresAuthorization: Bool { status == 401 || (status == 403 && bearer?.error == "insufficient_scope") }
}

/// Everything discovery learned: where to authorize and for which resource.
public struct DiscoveredAuthorization: Sendable {
    public var serverURL: OAuthURL
    /// The value to send as `resource`: the validated PRM `resource`, else the canonical server URI.
    public var resource: String
    public var resourceMetadata: ProtectedResourceMetadata?
    public var resourceMetadataURL: String?
    public var authorizationServer: AuthorizationServerMetadata
    /// Where the AS metadata came from (which candidate answered); nil for the 2025-03-26 default endpoints.
    public var authorizationServerMetadataURL: String?
    /// The challenge's `resource_metadata` hint when the scheme policy refused it (discovery went on without it).
    public var rejectedHint: MCPError?
    /// Candidate URLs that answered 4xx or an unusable document, in order, for diagnostics.
    public var skipped: [String]
}

extension OAuthHTTPClient {
    /// The detection probe (oauth.md §1.4): an unauthenticated `POST {}` carrying `oauth_headers` and
    /// `MCP-Protocol-Version`, read for its status and `WWW-Authenticate` challenges.
    public func probe(serverURL: String) throws(MCPError) -> ProbeResult {
        let response = try send(
            method: "POST", url: serverURL,
            headers: [(name: "Content-Type", value: "application/json"), (name: "Accept", value: "application/json, text/event-stream")],
            body: Array("{}".utf8), role: "mcp_server", discovery: true)
        return ProbeResult(status: response.status, challenges: WWWAuthenticate.parse(response.headerValues("WWW-Authenticate")))
    }

    /// oauth.md §2 steps 2–5 and §4, in the library's order: PRM from the challenge's hint, then the well-known
    /// URIs (the first 200 with a usable document wins; 4xx or an unusable document moves on); its `resource` must
    /// match the server (a mismatch stops discovery); then the first listed AS's metadata over its candidates, whose
    /// `issuer` must be identical (a mismatch stops discovery). Without any PRM: the 2025-03-26 metadata at the
    /// server's origin, then its default endpoints. A policy refusal, a transport failure or a 5xx stops discovery:
    /// falling through to the next candidate would hide an attack or an outage behind a different answer.
    public func discover(serverURL serverText: String, challenge: Challenge? = nil) throws(MCPError) -> DiscoveredAuthorization {
        let policy = options.schemePolicy
        let serverURL = try policy.check(serverText, role: "mcp_server")
        let candidates = Discovery.resourceMetadataCandidates(serverURL: serverURL, hint: challenge?.resourceMetadata, policy: policy)
        var skipped: [String] = []
        for candidate in candidates.urls {
            let response = try getDocument(candidate.string, role: "resource_metadata")
            guard try Self.usable(response, url: candidate, skipped: &skipped) else { continue }
            let metadata: ProtectedResourceMetadata
            do throws(MCPError) {
                metadata = try ProtectedResourceMetadata.parse(response.body, serverURL: serverURL)
            } catch {
                if error.details["reason"]?.stringValue == "resource_mismatch" { throw error }
                skipped.append(candidate.description)
                continue
            }
            let server = try authorizationServerMetadata(issuer: metadata.authorizationServers[0], skipped: &skipped)
            return DiscoveredAuthorization(
                serverURL: serverURL, resource: metadata.resource, resourceMetadata: metadata, resourceMetadataURL: candidate.string,
                authorizationServer: server.metadata, authorizationServerMetadataURL: server.url, rejectedHint: candidates.rejectedHint,
                skipped: skipped)
        }
        // 2025-03-26: no PRM anywhere.
        let legacyURL = Discovery.legacyMetadataURL(serverURL: serverURL)
        let response = try getDocument(legacyURL.string, role: "authorization_server_metadata")
        var server = Discovery.legacyDefaultMetadata(serverURL: serverURL)
        var metadataURL: String?
        if try Self.usable(response, url: legacyURL, skipped: &skipped) {
            server = try AuthorizationServerMetadata.parse(response.body, expectedIssuer: nil, policy: policy, source: .legacyMetadata)
            metadataURL = legacyURL.string
        }
        return DiscoveredAuthorization(
            serverURL: serverURL, resource: ResourceIndicator.canonical(serverURL), resourceMetadata: nil, resourceMetadataURL: nil,
            authorizationServer: server, authorizationServerMetadataURL: metadataURL, rejectedHint: candidates.rejectedHint,
            skipped: skipped)
    }

    /// RFC 8414 / OIDC metadata for `issuer` over its candidate URLs.
    public func authorizationServerMetadata(issuer: String) throws(MCPError) -> AuthorizationServerMetadata {
        var skipped: [String] = []
        return try authorizationServerMetadata(issuer: issuer, skipped: &skipped).metadata
    }

    func authorizationServerMetadata(
        issuer: String, skipped: inout [String]
    ) throws(MCPError) -> (metadata: AuthorizationServerMetadata, url: String) {
        let policy = options.schemePolicy
        for candidate in try Discovery.authorizationServerMetadataCandidates(issuer: issuer, policy: policy) {
            let response = try getDocument(candidate.string, role: "authorization_server_metadata")
            guard try Self.usable(response, url: candidate, skipped: &skipped) else { continue }
            do throws(MCPError) {
                return (try AuthorizationServerMetadata.parse(response.body, expectedIssuer: issuer, policy: policy), candidate.string)
            } catch {
                // A wrong issuer or a refused endpoint URL is the server's answer, not a missing document.
                if error.code == .policy { throw error }
                skipped.append(candidate.description)
            }
        }
        throw MCPError(.auth, "no authorization server metadata was found for the issuer", source: .auth,
            details: ["reason": "as_metadata_not_found", "issuer": .string(issuer), "tried": .array(skipped.map { .string($0) })])
    }

    /// True for a 200 to parse; false (recorded) for a 4xx, which sends discovery to the next candidate; anything
    /// else stops discovery.
    static func usable(_ response: OAuthHTTPResponse, url: OAuthURL, skipped: inout [String]) throws(MCPError) -> Bool {
        if response.status == 200 { return true }
        if (400...499).contains(response.status) {
            skipped.append(url.description)
            return false
        }
        throw MCPError(.auth, "metadata request answered HTTP \(response.status)", source: .auth,
            details: ["reason": "metadata_unavailable", "status": .int(Int64(response.status)), "url": .string(url.description)])
    }
}
