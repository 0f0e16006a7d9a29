import MCPClientCore
import MCPClientOAuth
import Testing

@Suite struct RegistrationTests {
    let issuer = "https://auth.example.com"
    let tokenEndpoint = "https://auth.example.com/token"
    let resource = "https://mcp.example.com/mcp"
    let now: Int64 = 1_700_000_000

    func metadata(_ extra: String = "") throws -> AuthorizationServerMetadata {
        let json = #"{"issuer":"https://auth.example.com","token_endpoint":"https://auth.example.com/token""# + extra + "}"
        return try AuthorizationServerMetadata.parse(Array(json.utf8), expectedIssuer: issuer)
    }

    @Test func requestBodyFollowsRFC7591AndSendsApplicationType() throws {
        let request = ClientRegistrationRequest(
            metadata: try metadata(#","token_endpoint_auth_methods_supported":["private_key_jwt","client_secret_post"]"#),
            clientName: "mcpclient", redirectURIs: ["http://127.0.0.1:8765/callback"], scopes: ["read"])
        #expect(request.json.jsonString == #"{"client_name":"mcpclient","redirect_uris":["http://127.0.0.1:8765/callback"],"#
            + #""application_type":"native","grant_types":["authorization_code","refresh_token"],"response_types":["code"],"#
            + #""token_endpoint_auth_method":"client_secret_post","scope":"read"}"#)
        let web = ClientRegistrationRequest(metadata: try metadata(#","grant_types_supported":["authorization_code"]"#), clientName: "x",
            redirectURIs: ["https://app.example.com/cb"], forcedAuthMethod: .clientSecretBasic)
        #expect(web.applicationType == .web)
        #expect(web.grantTypes == ["authorization_code"])
        #expect(web.tokenEndpointAuthMethod == .clientSecretBasic)
        #expect(ClientRegistrationRequest(metadata: try metadata(), clientName: "x", redirectURIs: ["myapp:/cb"]).tokenEndpointAuthMethod == .publicClient)
        #expect(ApplicationType.forRedirectURI("myapp:/cb") == .native)
    }

    @Test func parsesTheResponseAndBindsIt() throws {
        let request = ClientRegistrationRequest(metadata: try metadata(), clientName: "x", redirectURIs: ["http://localhost:1/cb"])
        let body = #"{"client_id":"abc","client_secret":"dcr-SECRET-1","client_secret_expires_at":0,"token_endpoint_auth_method":"client_secret_basic","redirect_uris":["http://localhost:1/cb"]}"#
        let registration = try ClientRegistration.parseResponse(status: 201, body: Array(body.utf8), request: request, issuer: issuer,
            tokenEndpoint: tokenEndpoint, resource: resource, now: now)
        #expect(registration.clientID == "abc")
        #expect(registration.tokenEndpointAuthMethod == .clientSecretBasic)
        #expect(registration.provenance == .dynamic)
        #expect(!registration.description.containsLiteral("dcr-SECRET-1"))
        #expect(try ClientRegistration(json: registration.json) == registration)

        #expect(registration.isReusable(issuer: issuer, redirectURI: "http://localhost:1/cb", tokenEndpoint: tokenEndpoint, resource: resource, now: now))
        // Any change of binding means re-registering (auth/authorization-server-migration).
        #expect(!registration.isReusable(issuer: "https://other.example.com", redirectURI: "http://localhost:1/cb", tokenEndpoint: tokenEndpoint, resource: resource, now: now))
        #expect(!registration.isReusable(issuer: issuer + "/", redirectURI: "http://localhost:1/cb", tokenEndpoint: tokenEndpoint, resource: resource, now: now))
        #expect(!registration.isReusable(issuer: issuer, redirectURI: "http://localhost:2/cb", tokenEndpoint: tokenEndpoint, resource: resource, now: now))
        #expect(!registration.isReusable(issuer: issuer, redirectURI: "http://localhost:1/cb", tokenEndpoint: tokenEndpoint + "2", resource: resource, now: now))
        #expect(!registration.isReusable(issuer: issuer, redirectURI: "http://localhost:1/cb", tokenEndpoint: tokenEndpoint, resource: resource + "/x", now: now))
    }

    @Test func expiredSecretsAreNotReused() throws {
        let registration = ClientRegistration(clientID: "c", clientSecret: "s", clientSecretExpiresAt: now + 10, tokenEndpointAuthMethod: .clientSecretBasic,
            provenance: .dynamic, issuer: issuer, redirectURI: "r", tokenEndpoint: tokenEndpoint, resource: resource, registeredAt: now)
        #expect(registration.isReusable(issuer: issuer, redirectURI: "r", tokenEndpoint: tokenEndpoint, resource: resource, now: now + 9))
        #expect(!registration.isReusable(issuer: issuer, redirectURI: "r", tokenEndpoint: tokenEndpoint, resource: resource, now: now + 10))
    }

    @Test func refusesBadResponses() throws {
        let request = ClientRegistrationRequest(metadata: try metadata(), clientName: "x", redirectURIs: ["http://localhost:1/cb"])
        func parse(_ status: Int, _ body: String) throws(MCPError) -> ClientRegistration {
            try ClientRegistration.parseResponse(status: status, body: Array(body.utf8), request: request, issuer: issuer, tokenEndpoint: tokenEndpoint,
                resource: resource, now: now)
        }
        let rejected = #expect(throws: MCPError.self) { try parse(400, #"{"error":"invalid_redirect_uri","error_description":"loopback not allowed"}"#) }
        #expect(rejected?.details["error"] == "invalid_redirect_uri")
        #expect(rejected?.details["reason"] == "registration_rejected")
        #expect((#expect(throws: MCPError.self) { try parse(201, #"{"client_secret":"x"}"#) })?.details["reason"] == "registration_invalid")
        let moved = #expect(throws: MCPError.self) { try parse(201, #"{"client_id":"a","redirect_uris":["https://evil.example/cb"]}"#) }
        #expect(moved?.details["reason"] == "registration_redirect_mismatch")
        // No secret issued: a public client regardless of the echoed method.
        #expect(try parse(200, #"{"client_id":"a","token_endpoint_auth_method":"client_secret_basic"}"#).tokenEndpointAuthMethod == .publicClient)
    }
}

@Suite struct FlowStateTests {
    @Test func roundTripsAndHidesSecrets() throws {
        let flow = FlowState(flowID: FlowState.flowID(user: "alice:1", server: "git hub"), state: "STATE-SECRET", codeVerifier: "VERIFIER-SECRET",
            issuer: "https://a", issParameterSupported: true, authorizationURL: "https://a/authorize?x", redirectURI: "http://localhost/cb",
            clientID: "c", tokenEndpoint: "https://a/token", resource: "https://m", scopes: ["a", "b"], createdAt: 1000)
        #expect(flow.flowID == "alice%3A1:git%20hub")
        #expect(try FlowState(json: flow.json) == flow)
        #expect(!flow.description.containsLiteral("SECRET"))
        #expect(flow.isJoinable(now: 1599))
        #expect(!flow.isJoinable(now: 1600))
        #expect(throws: MCPError.self) { try FlowState(json: ["flow_id": "x"]) }
    }
}

@Suite struct RegistrationStrategyTests {
    func metadata(_ extra: String) throws -> AuthorizationServerMetadata {
        let json = #"{"issuer":"https://a.example","token_endpoint":"https://a.example/token""# + extra + "}"
        return try AuthorizationServerMetadata.parse(Array(json.utf8), expectedIssuer: "https://a.example")
    }

    @Test func preferenceOrder() throws {
        let cimd = "https://conformance-test.local/client-metadata.json"
        let all = try metadata(#","client_id_metadata_document_supported":true,"registration_endpoint":"https://a.example/register""#)
        #expect(try RegistrationStrategy.choose(hasPreRegisteredClient: true, clientIDMetadataDocumentURL: cimd, metadata: all) == .preRegistered)
        #expect(try RegistrationStrategy.choose(hasPreRegisteredClient: false, clientIDMetadataDocumentURL: cimd, metadata: all)
            == .clientIDMetadataDocument(clientID: cimd))
        #expect(try RegistrationStrategy.choose(hasPreRegisteredClient: false, clientIDMetadataDocumentURL: nil, metadata: all)
            == .dynamic(endpoint: try OAuthURL("https://a.example/register")))
        let dcrOnly = try metadata(#","registration_endpoint":"https://a.example/register""#)
        #expect(try RegistrationStrategy.choose(hasPreRegisteredClient: false, clientIDMetadataDocumentURL: cimd, metadata: dcrOnly)
            == .dynamic(endpoint: try OAuthURL("https://a.example/register")))
        #expect(try RegistrationStrategy.choose(hasPreRegisteredClient: false, clientIDMetadataDocumentURL: nil, metadata: try metadata(""))
            == .needsClientInformation)
    }

    @Test func clientIDMetadataDocumentRules() throws {
        let document = try ClientIDMetadataDocument.document(clientID: "https://app.example/client.json", clientName: "App", redirectURIs: ["http://127.0.0.1/cb"])
        #expect(document["client_id"] == "https://app.example/client.json")
        for bad in ["https://app.example", "https://app.example/", "http://localhost/client.json", "https://app.example/c.json#x"] {
            #expect(throws: MCPError.self) { try ClientIDMetadataDocument.validateClientID(bad) }
        }
    }
}
