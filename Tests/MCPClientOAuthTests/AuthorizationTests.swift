import MCPClientCore
import MCPClientOAuth
import Testing

@Suite struct ScopeSelectionTests {
    @Test func challengeScopeWins() {
        let scopes = ScopeSelection.select(challengeScope: "files:read", resourceScopesSupported: ["a", "b"], authorizationServerScopesSupported: nil)
        #expect(scopes == ["files:read"])
    }

    @Test func fallsBackToAllResourceScopes() {
        #expect(ScopeSelection.select(challengeScope: nil, resourceScopesSupported: ["a", "b"], authorizationServerScopesSupported: ["a"]) == ["a", "b"])
        #expect(ScopeSelection.select(challengeScope: "  ", resourceScopesSupported: ["a"], authorizationServerScopesSupported: nil) == ["a"])
    }

    @Test func omittedWhenNothingDefinesOne() {
        #expect(ScopeSelection.select(challengeScope: nil, resourceScopesSupported: nil, authorizationServerScopesSupported: ["offline_access"]) == nil)
        #expect(ScopeSelection.select(challengeScope: nil, resourceScopesSupported: [], authorizationServerScopesSupported: nil) == nil)
    }

    @Test func offlineAccessOnlyWhenTheASAdvertisesIt() {
        let advertised = ScopeSelection.select(challengeScope: "read", resourceScopesSupported: nil, authorizationServerScopesSupported: ["read", "offline_access"])
        #expect(advertised == ["read", "offline_access"])
        let notAdvertised = ScopeSelection.select(challengeScope: "read offline_access", resourceScopesSupported: nil, authorizationServerScopesSupported: ["read"])
        #expect(notAdvertised == ["read"])
        let unknown = ScopeSelection.select(challengeScope: nil, resourceScopesSupported: ["offline_access", "x"], authorizationServerScopesSupported: nil)
        #expect(unknown == ["x"])
    }

    @Test func configuredScopeIsUnionedWithTheChallenge() {
        let scopes = ScopeSelection.select(challengeScope: "b c", configuredScope: "a b", resourceScopesSupported: ["z"], authorizationServerScopesSupported: nil)
        #expect(scopes == ["b", "c", "a"])
    }

    @Test func stepUpUnionsPreviousAndChallenged() {
        #expect(ScopeSelection.stepUp(previous: ["read"], challengeScope: "write read") == ["read", "write"])
    }

    @Test func attemptsAreBounded() {
        var attempts = AuthorizationAttempts()
        let upgrades = (0..<4).map { _ in attempts.allowScopeUpgrade(resource: "r", operation: "tools/call") }
        #expect(upgrades == [true, true, false, false])
        let otherOperation = attempts.allowScopeUpgrade(resource: "r", operation: "tools/list")
        #expect(otherOperation)
        let authorizations = (0..<5).map { _ in attempts.allowAuthorization(resource: "r", operation: "x") }
        #expect(authorizations == [true, true, true, false, false])
        attempts.reset(resource: "r", operation: "tools/call")
        let afterReset = attempts.allowScopeUpgrade(resource: "r", operation: "tools/call")
        #expect(afterReset)
    }
}

@Suite struct AuthorizationRequestTests {
    @Test func buildsTheAuthorizationURL() throws {
        let pkce = PKCE(verifier: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
        let request = try AuthorizationRequest.build(
            endpoint: try OAuthURL("https://auth.example.com/authorize?tenant=t1"), clientID: "my client",
            redirectURI: "http://localhost:3000/callback", scopes: ["read", "write"], resource: "https://mcp.example.com/mcp",
            state: "st/ate", pkce: pkce)
        #expect(request.url == "https://auth.example.com/authorize?tenant=t1&response_type=code&client_id=my%20client"
            + "&redirect_uri=http%3A%2F%2Flocalhost%3A3000%2Fcallback&state=st%2Fate&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
            + "&code_challenge_method=S256&scope=read%20write&resource=https%3A%2F%2Fmcp.example.com%2Fmcp")
        #expect(!request.description.containsLiteral(pkce.verifier))
        #expect(!request.description.containsLiteral("st/ate"))
    }

    @Test func omitsScopeWhenNoneAndGeneratesStateAndVerifier() throws {
        let a = try AuthorizationRequest.build(endpoint: try OAuthURL("https://a.example/authorize"), clientID: "c",
            redirectURI: "https://app.example/cb", scopes: nil, resource: "https://m.example", audience: "api")
        let b = try AuthorizationRequest.build(endpoint: try OAuthURL("https://a.example/authorize"), clientID: "c",
            redirectURI: "https://app.example/cb", scopes: nil, resource: "https://m.example")
        let fields = try #require(OAuthURL(a.url).query).split(separator: "&").map { String($0.split(separator: "=")[0]) }
        #expect(fields == ["response_type", "client_id", "redirect_uri", "state", "code_challenge", "code_challenge_method", "resource", "audience"])
        #expect(a.state != b.state && a.state.count == 43)
        #expect(a.pkce.verifier != b.pkce.verifier)
    }

    @Test func refusesUnsafeEndpointsAndClashingParameters() throws {
        for endpoint in ["http://a.example/authorize", "javascript:alert(1)", "file:///x"] {
            #expect(throws: MCPError.self) {
                try AuthorizationRequest.build(endpoint: try OAuthURL(endpoint), clientID: "c", redirectURI: "https://x/cb", scopes: nil, resource: "r")
            }
        }
        let clash = #expect(throws: MCPError.self) {
            try AuthorizationRequest.build(endpoint: try OAuthURL("https://a.example/authorize?client_id=evil"), clientID: "c",
                redirectURI: "https://x/cb", scopes: nil, resource: "r")
        }
        #expect(clash?.details["reason"] == "authorization_endpoint_parameter_clash")
        #expect(throws: MCPError.self) {
            try AuthorizationRequest.build(endpoint: try OAuthURL("https://a.example/authorize"), clientID: "c", redirectURI: "http://evil.example/cb",
                scopes: nil, resource: "r")
        }
    }
}

@Suite struct CallbackTests {
    let issuer = "https://auth.example.com"

    @Test func parsesTheCallbackURL() throws {
        let callback = try AuthorizationCallback.parse(callbackURL: "http://localhost:3000/callback?code=abc%2F1&state=s+1&iss=https%3A%2F%2Fauth.example.com&code=second")
        #expect(callback.code == "abc/1")
        #expect(callback.state == "s 1")
        #expect(callback.iss == issuer)
        #expect(!callback.description.containsLiteral("abc/1"))
    }

    /// oauth.md §2 step 10's table, one row per case, plus the no-normalization rule.
    @Test(arguments: [
        (true, "https://auth.example.com", nil), (true, nil, "iss_missing"), (false, "https://auth.example.com", nil),
        (false, "https://evil.example.com", "iss_mismatch"), (true, "https://evil.example.com", "iss_mismatch"), (false, nil, nil),
        (true, "https://auth.example.com/", "iss_mismatch"), (true, "https://AUTH.example.com", "iss_mismatch"),
        (true, "https://auth.example.com:443", "iss_mismatch"),
    ] as [(Bool, String?, String?)])
    func issuerTable(supported: Bool, iss: String?, rejection: String?) {
        let check = { () throws(MCPError) in
            try IssuerCheck.validate(responseIss: iss, recordedIssuer: self.issuer, issParameterSupported: supported)
        }
        if let rejection {
            let error = #expect(throws: MCPError.self) { try check() }
            #expect(error?.details["reason"]?.stringValue == rejection)
        } else {
            #expect(throws: Never.self) { try check() }
        }
    }

    @Test func validatesStateThenIssuerThenError() throws {
        let good = AuthorizationCallback(code: "c0de", state: "s", iss: issuer)
        #expect(try good.validatedCode(expectedState: "s", recordedIssuer: issuer, issParameterSupported: true) == "c0de")

        let wrongState = AuthorizationCallback(state: "x", iss: issuer, error: "access_denied")
        let stateError = #expect(throws: MCPError.self) { try wrongState.validatedCode(expectedState: "s", recordedIssuer: self.issuer, issParameterSupported: false) }
        #expect(stateError?.details["reason"] == "invalid_state")

        // A mix-up: the error text of the wrong issuer must not be acted on or shown.
        let mixUp = AuthorizationCallback(state: "s", iss: "https://evil.example", error: "server_error", errorDescription: "click http://evil")
        let mixUpError = #expect(throws: MCPError.self) { try mixUp.validatedCode(expectedState: "s", recordedIssuer: self.issuer, issParameterSupported: false) }
        #expect(mixUpError?.details["reason"] == "iss_mismatch")
        #expect(mixUpError?.json.jsonString.containsLiteral("evil") == false)

        let denied = AuthorizationCallback(state: "s", error: "access_denied", errorDescription: "user said no\u{7}")
        let deniedError = #expect(throws: MCPError.self) { try denied.validatedCode(expectedState: "s", recordedIssuer: self.issuer, issParameterSupported: false) }
        #expect(deniedError?.details["error"] == "access_denied")
        #expect(deniedError?.details["error_description"] == "user said no?")

        let noCode = AuthorizationCallback(state: "s")
        #expect(throws: MCPError.self) { try noCode.validatedCode(expectedState: "s", recordedIssuer: self.issuer, issParameterSupported: false) }
        let noState = AuthorizationCallback(code: "c")
        #expect(throws: MCPError.self) { try noState.validatedCode(expectedState: "s", recordedIssuer: self.issuer, issParameterSupported: false) }
    }
}
