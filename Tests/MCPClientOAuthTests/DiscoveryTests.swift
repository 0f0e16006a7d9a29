import MCPClientCore
import MCPClientOAuth
import Testing

@Suite struct OAuthURLTests {
    @Test func parsesAndKeepsPathAndQueryAsWritten() throws {
        let url = try OAuthURL("HTTPS://MCP.Example.com:8443/Public/MCP?x=1#frag")
        #expect(url.scheme == "https")
        #expect(url.host == "mcp.example.com")
        #expect(url.port == 8443)
        #expect(url.path == "/Public/MCP")
        #expect(url.query == "x=1")
        #expect(url.hasFragment)
        #expect(url.string == "https://mcp.example.com:8443/Public/MCP?x=1")
    }

    /// Found by fuzz/oauth: a zone URL's `string` lost the "%25" separator (and the parser took any "%" for one).
    @Test func anIPv6ZoneURLReadsBackAsItself() throws {
        let url = try OAuthURL("http://[FE80::1%25eth0]:9000/cb?x=1")
        #expect(url.host == "[fe80::1%25eth0]")
        #expect(url.string == "http://[fe80::1%25eth0]:9000/cb?x=1")
        #expect(try OAuthURL(url.string) == url)
        #expect(throws: MCPError.self) { try OAuthURL(#"http://[::a%2F="ES0]/oauth-au?horiza[ionr-esver"#) }
    }

    @Test(arguments: ["javascript:alert(1)", "data:text/html,x", "https://user:pw@host/", "https://ho st/", "https://host:99999/",
        "https://[::1/", "https:///path", "https://host\\evil/", "https://hóst/", "//host/path", "https://host:/",
        "http://127.1/", "http://0x7f.1/", "https://a..b/"])
    func refusesMalformedURLs(_ text: String) {
        #expect(throws: MCPError.self) { try OAuthURL(text) }
    }

    @Test(arguments: [("http://localhost:3000/cb", true), ("http://127.0.0.1/", true), ("http://127.9.9.9/", true), ("http://[::1]:8080/", true),
        ("http://[0:0:0:0:0:0:0:1]/", true), ("http://app.localhost/", true), ("http://localhost.evil.com/", false),
        ("http://128.0.0.1/", false), ("http://[::2]/", false), ("http://example.com/", false)])
    func loopbackDetection(_ text: String, loopback: Bool) throws {
        #expect(try OAuthURL(text).isLoopback == loopback)
    }

    @Test func schemePolicy() throws {
        let policy = URLSchemePolicy()
        #expect(try policy.check("https://as.example.com/token", role: "token_endpoint").host == "as.example.com")
        #expect(try policy.check("http://localhost:9000/token", role: "token_endpoint").port == 9000)
        for bad in ["http://as.example.com/token", "ftp://as.example.com/", "javascript:alert(1)", "file:///etc/passwd"] {
            let error = #expect(throws: MCPError.self) { try policy.check(bad, role: "token_endpoint") }
            #expect(error?.code == .policy)
        }
        let strict = URLSchemePolicy(allowLoopbackHTTP: false)
        #expect(throws: MCPError.self) { try strict.check("http://localhost/", role: "x") }
    }
}

@Suite struct DiscoveryTests {
    @Test func resourceMetadataCandidatesHintThenPathThenRoot() throws {
        let server = try OAuthURL("https://example.com/public/mcp")
        let candidates = Discovery.resourceMetadataCandidates(serverURL: server, hint: "https://example.com/meta/prm")
        #expect(candidates.urls.map(\.string) == [
            "https://example.com/meta/prm",
            "https://example.com/.well-known/oauth-protected-resource/public/mcp",
            "https://example.com/.well-known/oauth-protected-resource",
        ])
        #expect(candidates.rejectedHint == nil)
    }

    @Test func resourceMetadataCandidatesWithoutPathOrHint() throws {
        let candidates = Discovery.resourceMetadataCandidates(serverURL: try OAuthURL("https://example.com:8443/?q=1"), hint: nil)
        #expect(candidates.urls.map(\.string) == ["https://example.com:8443/.well-known/oauth-protected-resource"])
        let trailing = Discovery.resourceMetadataCandidates(serverURL: try OAuthURL("https://example.com/mcp/"), hint: nil)
        #expect(trailing.urls.first?.string == "https://example.com/.well-known/oauth-protected-resource/mcp")
    }

    @Test func hostileHintIsDroppedAndReported() throws {
        let server = try OAuthURL("https://example.com/mcp")
        for hint in ["javascript:alert(1)", "http://169.254.169.254/latest", "file:///etc/passwd"] {
            let candidates = Discovery.resourceMetadataCandidates(serverURL: server, hint: hint)
            #expect(candidates.urls.count == 2)
            #expect(candidates.rejectedHint?.code == .policy)
        }
    }

    @Test func authorizationServerCandidatesForIssuerWithPath() throws {
        let urls = try Discovery.authorizationServerMetadataCandidates(issuer: "https://a.example/t1")
        #expect(urls.map(\.string) == [
            "https://a.example/.well-known/oauth-authorization-server/t1",
            "https://a.example/.well-known/openid-configuration/t1",
            "https://a.example/t1/.well-known/openid-configuration",
        ])
    }

    @Test func authorizationServerCandidatesForIssuerWithoutPath() throws {
        for issuer in ["https://a.example", "https://a.example/"] {
            let urls = try Discovery.authorizationServerMetadataCandidates(issuer: issuer)
            #expect(urls.map(\.string) == ["https://a.example/.well-known/oauth-authorization-server", "https://a.example/.well-known/openid-configuration"])
        }
    }

    @Test func issuersMustBeHTTPSWithoutQuery() {
        for issuer in ["http://a.example", "https://a.example/?x=1", "https://a.example/#f", "a.example"] {
            #expect(throws: MCPError.self) { try Discovery.authorizationServerMetadataCandidates(issuer: issuer) }
        }
    }

    @Test func legacyFallback() throws {
        let server = try OAuthURL("https://mcp.example.com/v1/mcp")
        #expect(Discovery.legacyMetadataURL(serverURL: server).string == "https://mcp.example.com/.well-known/oauth-authorization-server")
        let defaults = Discovery.legacyDefaultMetadata(serverURL: server)
        #expect(defaults.authorizationEndpoint?.string == "https://mcp.example.com/authorize")
        #expect(defaults.tokenEndpoint.string == "https://mcp.example.com/token")
        #expect(defaults.registrationEndpoint?.string == "https://mcp.example.com/register")
        #expect(defaults.source == .legacyDefaults)
        #expect(throws: Never.self) { try defaults.requirePKCES256() }
    }

    @Test(arguments: [("https://mcp.example.com/mcp", "https://mcp.example.com/mcp"), ("HTTPS://MCP.EXAMPLE.COM/", "https://mcp.example.com"),
        ("https://mcp.example.com:443", "https://mcp.example.com"), ("https://mcp.example.com:8443", "https://mcp.example.com:8443"),
        ("https://mcp.example.com/server/mcp#x", "https://mcp.example.com/server/mcp")])
    func canonicalResource(_ input: String, expected: String) throws {
        #expect(ResourceIndicator.canonical(try OAuthURL(input)) == expected)
    }

    @Test(arguments: [("https://mcp.example.com/mcp", true), ("https://mcp.example.com", true), ("https://mcp.example.com/", true),
        ("https://MCP.example.com:443/mcp", true), ("https://mcp.example.com/mcp/", true), ("https://mcp.example.com/other", false),
        ("https://mcp.example.com/mc", false), ("https://mcp.example.com/mcp/deeper", false), ("http://mcp.example.com/mcp", false),
        ("https://evil.example.com/mcp", false), ("https://mcp.example.com:8443/mcp", false), ("not a url", false)])
    func resourceMatch(_ resource: String, matches: Bool) throws {
        #expect(ResourceIndicator.matches(resource: resource, serverURL: try OAuthURL("https://mcp.example.com/mcp")) == matches)
    }
}

@Suite struct MetadataTests {
    let server = try! OAuthURL("https://mcp.example.com/mcp")

    @Test func parsesProtectedResourceMetadata() throws {
        let json = #"{"resource":"https://mcp.example.com/mcp","authorization_servers":["https://auth.example.com"],"scopes_supported":["a","b"]}"#
        let prm = try ProtectedResourceMetadata.parse(Array(json.utf8), serverURL: server)
        #expect(prm.authorizationServers == ["https://auth.example.com"])
        #expect(prm.scopesSupported == ["a", "b"])
    }

    @Test(arguments: [
        (#"{"resource":"https://evil.example.com/mcp","authorization_servers":["https://a"]}"#, "resource_mismatch"),
        (#"{"resource":"https://mcp.example.com/mcp","authorization_servers":[]}"#, "prm_missing_authorization_servers"),
        (#"{"resource":"https://mcp.example.com/mcp"}"#, "prm_missing_authorization_servers"),
        (#"{"authorization_servers":["https://a"]}"#, "prm_missing_resource"),
        (#"{"resource":"https://mcp.example.com/mcp","authorization_servers":[1]}"#, "metadata_invalid_field"),
        (#"["x"]"#, "metadata_not_object"), (#"{"#, "metadata_invalid_json"),
    ])
    func refusesBadProtectedResourceMetadata(_ json: String, reason: String) {
        let error = #expect(throws: MCPError.self) { try ProtectedResourceMetadata.parse(Array(json.utf8), serverURL: server) }
        #expect(error?.details["reason"]?.stringValue == reason)
    }

    @Test func refusesOversizedAndDeepDocuments() {
        let big = [UInt8](repeating: UInt8(ascii: " "), count: MetadataLimits.maxDocumentBytes + 1)
        #expect(throws: MCPError.self) { try ProtectedResourceMetadata.parse(big, serverURL: server) }
        let deep = String(repeating: "[", count: 10_000)
        #expect(throws: MCPError.self) { try AuthorizationServerMetadata.parse(Array(deep.utf8), expectedIssuer: "https://a") }
    }

    static let asJSON = #"""
        {"issuer":"https://auth.example.com/t1","authorization_endpoint":"https://auth.example.com/t1/authorize",
         "token_endpoint":"https://auth.example.com/t1/token","registration_endpoint":"https://auth.example.com/t1/register",
         "scopes_supported":["openid","offline_access"],"code_challenge_methods_supported":["plain","S256"],
         "token_endpoint_auth_methods_supported":["client_secret_basic","none"],
         "authorization_response_iss_parameter_supported":true}
        """#

    @Test func parsesAuthorizationServerMetadata() throws {
        let metadata = try AuthorizationServerMetadata.parse(Array(Self.asJSON.utf8), expectedIssuer: "https://auth.example.com/t1")
        #expect(metadata.tokenEndpoint.string == "https://auth.example.com/t1/token")
        #expect(metadata.registrationEndpoint?.path == "/t1/register")
        #expect(metadata.authorizationResponseIssParameterSupported)
        #expect(!metadata.clientIDMetadataDocumentSupported)
        #expect(try metadata.requirePKCES256() == false)
    }

    /// No normalization: a trailing slash, case or port difference is a different issuer.
    @Test(arguments: ["https://auth.example.com/t1/", "https://AUTH.example.com/t1", "https://auth.example.com:443/t1", "https://auth.example.com"])
    func issuerMustBeIdentical(_ expected: String) {
        let error = #expect(throws: MCPError.self) { try AuthorizationServerMetadata.parse(Array(Self.asJSON.utf8), expectedIssuer: expected) }
        #expect(error?.details["reason"]?.stringValue == "issuer_mismatch")
    }

    @Test func endpointsMustPassTheSchemePolicy() {
        let json = #"{"issuer":"https://a.example","token_endpoint":"http://a.example/token"}"#
        let error = #expect(throws: MCPError.self) { try AuthorizationServerMetadata.parse(Array(json.utf8), expectedIssuer: "https://a.example") }
        #expect(error?.details["role"]?.stringValue == "token_endpoint")
        let js = #"{"issuer":"https://a.example","token_endpoint":"https://a.example/t","authorization_endpoint":"javascript:alert(1)"}"#
        #expect(throws: MCPError.self) { try AuthorizationServerMetadata.parse(Array(js.utf8), expectedIssuer: "https://a.example") }
    }

    @Test func pkceGate() throws {
        func metadata(_ methods: String) throws -> AuthorizationServerMetadata {
            let json = #"{"issuer":"https://a.example","token_endpoint":"https://a.example/t""# + methods + "}"
            return try AuthorizationServerMetadata.parse(Array(json.utf8), expectedIssuer: "https://a.example")
        }
        let absent = try metadata("")
        #expect((#expect(throws: MCPError.self) { try absent.requirePKCES256() })?.details["reason"] == "pkce_not_advertised")
        let plainOnly = try metadata(#","code_challenge_methods_supported":["plain"]"#)
        #expect((#expect(throws: MCPError.self) { try plainOnly.requirePKCES256() })?.details["reason"] == "pkce_s256_unsupported")
        #expect(try absent.requirePKCES256(override: true) == true)
        #expect(try metadata(#","code_challenge_methods_supported":["S256"]"#).requirePKCES256() == false)
    }
}
