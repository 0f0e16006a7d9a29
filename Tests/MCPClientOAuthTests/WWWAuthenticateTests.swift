import MCPClientOAuth
import Testing

@Suite struct WWWAuthenticateTests {
    @Test func readsTheMCPBearerChallenge() throws {
        let header = #"Bearer resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource", scope="files:read files:write""#
        let challenges = WWWAuthenticate.parse([header])
        #expect(challenges.count == 1)
        let bearer = try #require(challenges.first)
        #expect(bearer.isBearer)
        #expect(bearer.resourceMetadata == "https://mcp.example.com/.well-known/oauth-protected-resource")
        #expect(bearer.scopes == ["files:read", "files:write"])
        #expect(bearer.error == nil)
    }

    @Test func readsRFC6750InsufficientScope() throws {
        let header = #"Bearer realm="example", error="insufficient_scope", error_description="The request requires higher privileges", scope="admin""#
        let bearer = try #require(WWWAuthenticate.bearer([header]))
        #expect(bearer.parameter("realm") == "example")
        #expect(bearer.error == "insufficient_scope")
        #expect(bearer.errorDescription == "The request requires higher privileges")
        #expect(bearer.scope == "admin")
    }

    /// RFC 9110 §11.6.1's own example of several challenges in one field.
    @Test func splitsSeveralChallengesInOneHeader() {
        let header = #"Basic realm="simple", Newauth realm="apps", type=1, title="Login to \"apps\"", Bearer scope="a b""#
        let challenges = WWWAuthenticate.parse([header])
        #expect(challenges.map(\.scheme) == ["Basic", "Newauth", "Bearer"])
        #expect(challenges[0].parameters == [.init(name: "realm", value: "simple")])
        #expect(challenges[1].parameter("type") == "1")
        #expect(challenges[1].parameter("title") == #"Login to "apps""#)
        #expect(challenges[2].scopes == ["a", "b"])
    }

    @Test func collectsChallengesAcrossHeaders() {
        let challenges = WWWAuthenticate.parse([#"Negotiate"#, #"Basic realm="x""#, #"bearer scope="s""#])
        #expect(challenges.map(\.scheme) == ["Negotiate", "Basic", "bearer"])
        #expect(challenges[2].isBearer)
        #expect(WWWAuthenticate.bearer([#"Basic realm="x""#, #"BEARER Scope="s""#])?.scope == "s")
    }

    @Test func readsToken68() {
        let challenges = WWWAuthenticate.parse(["Negotiate a87421000492aa874209af8bc028==, Bearer"])
        #expect(challenges.count == 2)
        #expect(challenges[0].token68 == "a87421000492aa874209af8bc028==")
        #expect(challenges[0].parameters.isEmpty)
        #expect(challenges[1].isBearer)
        #expect(WWWAuthenticate.parse(["Basic dXNlcjpwYXNz"]).first?.token68 == "dXNlcjpwYXNz")
    }

    @Test func acceptsWhitespaceAroundEqualsAndEmptyListElements() {
        let challenges = WWWAuthenticate.parse([" , Bearer  scope = \"x y\" ,, error = invalid_token ,"])
        #expect(challenges.count == 1)
        #expect(challenges.first?.scope == "x y")
        #expect(challenges.first?.error == "invalid_token")
    }

    @Test func parameterNamesAreCaseInsensitiveAndFirstWins() {
        let challenge = WWWAuthenticate.parse([#"Bearer SCOPE="first", scope="second", Resource_Metadata="https://a/m""#]).first
        #expect(challenge?.scope == "first")
        #expect(challenge?.resourceMetadata == "https://a/m")
    }

    @Test func quotedStringEscapesAndCommas() {
        let challenge = WWWAuthenticate.parse([#"Bearer error_description="a, \"quoted\" \\ value", scope="s""#]).first
        #expect(challenge?.errorDescription == #"a, "quoted" \ value"#)
        #expect(challenge?.scope == "s")
    }

    @Test func dropsMalformedParametersButKeepsTheRest() {
        // Unterminated quote: the parameter is lost, the challenge survives.
        #expect(WWWAuthenticate.parse([#"Bearer scope="abc"#]).first?.parameters == [])
        // A control character inside a quoted string invalidates that parameter only.
        let challenge = WWWAuthenticate.parse(["Bearer error=\"a\u{01}b\", scope=\"ok\""]).first
        #expect(challenge?.error == nil)
        #expect(challenge?.scope == "ok")
        // Garbage characters where a scheme belongs are skipped.
        #expect(WWWAuthenticate.parse(["@@@, Bearer scope=\"z\""]).map(\.scheme) == ["Bearer"])
    }

    @Test(arguments: ["", ",,,", "   ", "=", "\"", "\\", "Bearer =", "Bearer scope=", "Bearer scope=\"", "Bearer \"x\"", "=\"a\"",
        "Bearer scope=\"\\", "Bearer ,=,=,\"", "\u{0}\u{1}\u{7f}", "Bearer scope=\"é ü\""])
    func neverTrapsOnOddInput(_ header: String) {
        let challenges = WWWAuthenticate.parse([header])
        #expect(challenges.count <= WWWAuthenticate.maxChallenges)
    }

    @Test func boundedOnHostileInput() {
        let many = String(repeating: "Bearer a=b, ", count: 10_000)
        #expect(WWWAuthenticate.parse([many]).count == WWWAuthenticate.maxChallenges)
        let manyParameters = "Bearer " + String(repeating: "a=b, ", count: 3_000)
        let challenge = WWWAuthenticate.parse([manyParameters]).first
        #expect(challenge?.parameters.count == WWWAuthenticate.maxParametersPerChallenge)
        let longQuote = "Bearer scope=\"" + String(repeating: "x", count: 1_000_000) + "\""
        // Cut at the byte cap: the quote never closes, so the parameter is dropped rather than read unbounded.
        #expect(WWWAuthenticate.parse([longQuote]).first?.scope == nil)
        let headers = Array(repeating: "Basic", count: 1_000)
        #expect(WWWAuthenticate.parse(headers).count == WWWAuthenticate.maxChallenges)
    }

    @Test func scopeTokensAreValidatedAndDeduplicated() {
        #expect(Scopes.parse("a  b a \"bad\" c\\d ok") == ["a", "b", "ok"])
        #expect(Scopes.union(["a", "b"], ["b", "c"]) == ["a", "b", "c"])
    }
}
