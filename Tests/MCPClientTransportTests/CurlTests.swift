import MCPClientTransport
import Testing

@Suite struct CurlTests {
    @Test func loadsLibcurlOnDemandWithOpenSSL() throws {
        let version = try Curl.versionDescription()
        #expect(version.hasPrefix("libcurl/"))
        #expect(version.contains("OpenSSL"))
    }
}
