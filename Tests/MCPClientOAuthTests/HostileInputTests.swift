import MCPClientCore
import MCPClientOAuth
import MCPClientTesting
import Testing

/// Seeded random and mutated inputs through every parser that reads server- or attacker-controlled bytes. The
/// assertion is that each returns or throws: a trap ends the test process.
@Suite struct HostileInputTests {
    static let seeds: [String] = [
        #"Bearer resource_metadata="https://a/b", scope="x y", error="insufficient_scope", Basic realm="r", Negotiate abc=="#,
        #"{"issuer":"https://a.example","token_endpoint":"https://a.example/t","code_challenge_methods_supported":["S256"]}"#,
        #"{"access_token":"a.eyJleHAiOjF9.c","expires_in":"10","refresh_token":"r","scope":"a b"}"#,
        "https://user@host:80/p?q=1&code=a%2&state=%zz#f",
    ]

    func mutate(_ seed: [UInt8], _ random: inout SeededGenerator) -> [UInt8] {
        var bytes = seed
        for _ in 0..<Int.random(in: 1...8, using: &random) {
            let alphabet = Array(#"",=\ :/.%{}[]"abc0é"#.utf8) + [0, 0x7F, 0xFF, 0x09]
            switch Int.random(in: 0..<3, using: &random) {
            case 0 where !bytes.isEmpty: bytes.remove(at: Int.random(in: 0..<bytes.count, using: &random))
            case 1: bytes.insert(alphabet[Int.random(in: 0..<alphabet.count, using: &random)], at: Int.random(in: 0...bytes.count, using: &random))
            default:
                if !bytes.isEmpty { bytes[Int.random(in: 0..<bytes.count, using: &random)] = UInt8.random(in: 0...255, using: &random) }
            }
        }
        return bytes
    }

    @Test func parsersSurviveMutatedInput() throws {
        var random = SeededGenerator(seed: 6)
        let server = try OAuthURL("https://mcp.example.com/mcp")
        var parsed = 0
        for round in 0..<4000 {
            let seed = Array(Self.seeds[round % Self.seeds.count].utf8)
            let bytes = mutate(seed, &random)
            let text = String(decoding: bytes, as: UTF8.self)
            parsed += WWWAuthenticate.parse([text, text]).count
            _ = try? OAuthURL(text)
            _ = try? AuthorizationCallback.parse(callbackURL: text)
            _ = FormEncoding.decode(text)
            _ = Base64Decoding.decode(text, urlSafe: round % 2 == 0)
            _ = JWTClaims.payload(text)
            _ = try? ProtectedResourceMetadata.parse(bytes, serverURL: server)
            _ = try? AuthorizationServerMetadata.parse(bytes, expectedIssuer: "https://a.example")
            _ = try? TokenResponse.parse(status: round % 3 == 0 ? 400 : 200, body: bytes, now: Int64.max - 5, previousRefreshToken: "p")
            _ = Discovery.resourceMetadataCandidates(serverURL: server, hint: text)
            _ = ResourceIndicator.matches(resource: text, serverURL: server)
        }
        #expect(parsed > 0)
    }

    @Test func extremeNumbersDoNotOverflow() throws {
        let now: Int64 = 1_700_000_000
        let cases: [(String, Int64)] = [
            ("9223372036854775807", now + TokenResponse.maxLifetime), ("-9223372036854775808", now), ("1e308", now + TokenResponse.maxLifetime),
            ("-1e308", now), ("\"99999999999999999999\"", now + TokenResponse.defaultAccessLifetime),
        ]
        for (value, expected) in cases {
            let body = Array(#"{"access_token":"a","expires_in":\#(value),"refresh_token":"r","refresh_token_expires_in":\#(value)}"#.utf8)
            let tokens = try TokenResponse.parse(status: 200, body: body, now: now)
            #expect(tokens.expiresAt == expected, "expires_in \(value)")
        }
        // Near the end of time the arithmetic wraps instead of trapping.
        _ = try TokenResponse.parse(status: 200, body: Array(#"{"access_token":"a","expires_in":9223372036854775807}"#.utf8), now: Int64.max - 10)
        let store = MemoryCredentialStore(clock: ManualWallClock(Int64.max - 1))
        let key = CredentialKey(user: "u", server: "s", kind: .tokens)
        try store.put(key, [1], ttlSeconds: Int64.max)
        #expect(try store.get(key) == [1])
        try store.put(key, [2], ttlSeconds: -5)
        #expect(try store.get(key) == nil)
    }
}
