import MCPClientOAuth
import Testing

@Suite struct PKCETests {
    @Test func matchesTheRFC7636AppendixBVector() {
        let pkce = PKCE(verifier: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
        #expect(pkce.challenge == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
        #expect(pkce.method == "S256")
    }

    @Test func generatesDistinctUnpaddedVerifiers() throws {
        let a = try PKCE.generate(), b = try PKCE.generate()
        #expect(a.verifier != b.verifier)
        #expect(a.verifier.count == 43)
        #expect(!a.verifier.contains("=") && !a.verifier.contains("+") && !a.verifier.contains("/"))
    }

    @Test(arguments: [([UInt8](), ""), ([0x66], "Zg"), ([0x66, 0x6f], "Zm8"), ([0x66, 0x6f, 0x6f], "Zm9v"), ([0xfb, 0xff], "-_8")])
    func base64URLEncodes(bytes: [UInt8], expected: String) {
        #expect(Base64URL.encode(bytes) == expected)
    }
}
