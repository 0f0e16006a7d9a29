import Glibc
import MCPClientCore
import MCPClientTransport
import Testing

@Suite struct IPAddressTests {
    @Test(arguments: [
        ("8.8.8.8", AddressClass.global), ("1.1.1.1", .global),
        ("127.0.0.1", .loopback), ("127.255.255.255", .loopback), ("126.255.255.255", .global), ("128.0.0.0", .global),
        ("10.0.0.1", .privateNetwork), ("9.255.255.255", .global), ("11.0.0.0", .global),
        ("172.15.255.255", .global), ("172.16.0.0", .privateNetwork), ("172.31.255.255", .privateNetwork), ("172.32.0.0", .global),
        ("192.168.0.1", .privateNetwork), ("192.169.0.0", .global),
        ("100.63.255.255", .global), ("100.64.0.0", .sharedCGNAT), ("100.127.255.255", .sharedCGNAT), ("100.128.0.0", .global),
        ("169.254.1.1", .linkLocal), ("169.254.169.254", .cloudMetadata), ("100.100.100.200", .cloudMetadata),
        ("0.0.0.0", .unspecified), ("0.1.2.3", .unspecified),
        ("224.0.0.1", .multicast), ("239.255.255.255", .multicast), ("255.255.255.255", .broadcast), ("240.0.0.1", .reserved),
        ("192.0.2.1", .documentation), ("198.51.100.7", .documentation), ("203.0.113.9", .documentation),
        ("198.18.0.1", .benchmark), ("198.19.255.255", .benchmark), ("198.20.0.0", .global), ("192.0.0.8", .reserved),
        ("::", .unspecified), ("::1", .loopback), ("2606:4700::1111", .global),
        ("fc00::1", .privateNetwork), ("fdff:ffff::1", .privateNetwork), ("fe80::1", .linkLocal), ("fe80::1%eth0", .linkLocal),
        ("febf::1", .linkLocal), ("fec0::1", .privateNetwork), ("ff02::1", .multicast), ("fd00:ec2::254", .cloudMetadata),
        ("2001:db8::1", .documentation), ("3fff::1", .documentation), ("100::1", .reserved), ("4000::1", .reserved),
        ("::ffff:127.0.0.1", .loopback), ("::ffff:7f00:1", .loopback), ("::ffff:8.8.8.8", .global),
        ("::ffff:169.254.169.254", .cloudMetadata), ("::127.0.0.1", .loopback), ("::10.0.0.1", .privateNetwork),
        ("::ffff:0:10.0.0.1", .privateNetwork), ("64:ff9b::10.1.2.3", .privateNetwork), ("64:ff9b::808:808", .global),
        ("64:ff9b:1::1", .privateNetwork), ("2002:7f00:1::", .loopback), ("2002:0808:0808::1", .global),
        ("2001:0:4136:e378:8000:63bf:80ff:fffe", .loopback),  // Teredo client ~80ff:fffe = 127.0.0.1
        ("2001:0:4136:e378:8000:63bf:f7f7:f7f7", .global),  // client 8.8.8.8
    ])
    func classifies(text: String, expected: AddressClass) throws {
        let address = try #require(IPAddress(text), "\(text) should parse")
        #expect(address.addressClass == expected, "\(text)")
    }

    @Test(arguments: [
        "127.1", "0x7f.0.0.1", "0x7f000001", "2130706433", "017.0.0.1", "127.0.0.01", "256.0.0.1", "1.2.3", "1.2.3.4.5",
        "1.2.3.", " 1.2.3.4", "1.2.3.4 ", "+1.2.3.4", "", ":::", "1::2::3", "1:2:3:4:5:6:7:8:9", "12345::", "::g",
        "1:2:3:4:5:6:7", ":1::", "1::2:", "::1.2.3", "::1.2.3.256", "fe80::1%", "[::1]", "::ffff:127.1",
    ])
    func rejectsAmbiguousOrMalformedText(text: String) {
        #expect(IPAddress(text) == nil, "\(text)")
    }

    @Test func printsCanonicalForms() throws {
        #expect(try #require(IPAddress("2001:0DB8:0:0:0:0:0:1")).description == "2001:db8::1")
        #expect(try #require(IPAddress("::ffff:1.2.3.4")).description == "::ffff:102:304")
        #expect(try #require(IPAddress("1:0:0:2:0:0:0:3")).description == "1:0:0:2::3")
        #expect(try #require(IPAddress("1:2:3:4:5:6:7::")).description == "1:2:3:4:5:6:7:0")
        #expect(try #require(IPAddress("fe80::1%eth0")).zone == "eth0")
        #expect(try #require(IPAddress("::")).description == "::")
    }

    @Test func readsSockaddrIn() throws {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(8443).bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let parsed = try #require(withUnsafeBytes(of: &address) { IPAddress.fromSockaddr($0) })
        #expect(parsed.address.description == "127.0.0.1")
        #expect(parsed.port == 8443)
        #expect(parsed.address.addressClass == .loopback)
    }

    @Test func readsSockaddrIn6WithScope() throws {
        var address = sockaddr_in6()
        address.sin6_family = sa_family_t(AF_INET6)
        address.sin6_port = UInt16(443).bigEndian
        address.sin6_scope_id = 2
        withUnsafeMutableBytes(of: &address.sin6_addr) { raw in
            for (index, byte) in [0xFE, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1].enumerated() { raw[index] = UInt8(byte) }
        }
        let parsed = try #require(withUnsafeBytes(of: &address) { IPAddress.fromSockaddr($0) })
        #expect(parsed.address.description == "fe80::1%2")
        #expect(parsed.port == 443)
        #expect(parsed.address.addressClass == .linkLocal)
        #expect(withUnsafeBytes(of: &address) { IPAddress.fromSockaddr(UnsafeRawBufferPointer(rebasing: $0[0..<8])) } == nil)
    }
}

@Suite struct ParsedURLTests {
    @Test func splitsTheParts() throws {
        let url = try ParsedURL("HTTPS://Example.COM.:8443/mcp/v1?x=1#frag")
        #expect(url.scheme == "https")
        #expect(url.host == "example.com")
        #expect(url.port == 8443)
        #expect(url.pathAndQuery == "/mcp/v1?x=1")
        #expect(url.authority == "example.com:8443")
        #expect(try ParsedURL("http://h?q").pathAndQuery == "/?q")
        #expect(try ParsedURL("wss://h").effectivePort == 443)
        #expect(try ParsedURL("http://h:80/").authority == "h")
    }

    @Test func parsesIPv6LiteralsWithZones() throws {
        let url = try ParsedURL("http://[FE80::1%25eth0]:8080/")
        #expect(url.host == "fe80::1%eth0")
        #expect(url.ipLiteral?.addressClass == .linkLocal)
        #expect(url.authority == "[fe80::1%25eth0]:8080")
        #expect(try ParsedURL("http://[::ffff:127.0.0.1]/").ipLiteral?.addressClass == .loopback)
    }

    /// Found by fuzz/oauth: any "%" in a bracketed host was read as the zone separator, and the zone could hold
    /// quotes and "=". RFC 6874 allows only "%25" followed by unreserved characters.
    @Test func anIPv6ZoneIsPercent25AndUnreservedCharactersOnly() throws {
        for bad in [#"http://[::a%2F="ES0]/oauth"#, "http://[fe80::1%eth0]/", "http://[fe80::1%25]/", "http://[fe80::1%25eth%200]/", "http://[fe80::1%25a/b]/"] {
            #expect(throws: MCPError.self, "\(bad)") { try ParsedURL(bad) }
        }
        #expect(try ParsedURL("http://[fe80::1%25Eth_0.1~x]/").host == "fe80::1%Eth_0.1~x")
    }

    @Test(arguments: [
        ("http://user:pass@example.com/", "userinfo_not_allowed"), ("http://@example.com/", "userinfo_not_allowed"),
        ("http://example.com@evil.com/", "userinfo_not_allowed"), ("http://127.1/", "ambiguous_ipv4"),
        ("http://0x7f.0.0.1/", "ambiguous_ipv4"), ("http://2130706433/", "ambiguous_ipv4"), ("http://017.0.0.1/", "ambiguous_ipv4"),
        ("http://%31%32%37.0.0.1/", "invalid_host"), ("http://exa mple.com/", "invalid_character"),
        ("http://evil.com\\@good.com/", "invalid_character"), ("http://ex\u{E4}mple.com/", "invalid_character"),
        ("http://[::1/", "invalid_host"), ("http://[1.2.3.4]/", "invalid_host"), ("http://[::1]x/", "invalid_host"),
        ("http://h:99999/", "invalid_port"), ("http://h:-1/", "invalid_port"), ("http://h:8a/", "invalid_port"),
        ("example.com/mcp", "not_absolute"), ("http:///path", "invalid_host"), ("http://a..b/", "invalid_host"),
        ("1http://h/", "invalid_scheme"),
    ])
    func refusesAmbiguousURLs(text: String, reason: String) {
        let error = #expect(throws: MCPError.self) { try ParsedURL(text) }
        #expect(error?.details["reason"] == .string(reason), "\(text)")
    }

    @Test func sameOriginComparesSchemeHostAndEffectivePort() throws {
        let base = try ParsedURL("https://api.example.com/mcp")
        #expect(sameOrigin(base, try ParsedURL("https://API.example.com:443/other?x")))
        #expect(!sameOrigin(base, try ParsedURL("http://api.example.com/mcp")))
        #expect(!sameOrigin(base, try ParsedURL("https://api.example.com:8443/mcp")))
        #expect(!sameOrigin(base, try ParsedURL("https://evil.example.com/mcp")))
    }
}

@Suite struct NetworkPolicyTests {
    let untrusted = NetworkPolicy()

    @Test func schemesArePositivelyListed() {
        for url in ["http://example.com", "https://example.com", "ws://example.com", "wss://example.com"] {
            #expect(untrusted.check(url: url) == nil, "\(url)")
        }
        for url in ["file:///etc/passwd", "ftp://example.com/", "gopher://example.com/", "javascript://x"] {
            #expect(untrusted.check(url: url)?.code == .policy, "\(url)")
        }
        #expect(untrusted.check(url: "not a url")?.details["reason"] == "invalid_url")
    }

    @Test func untrustedServersCannotNameInternalHosts() {
        for url in ["http://localhost:3000", "http://LOCALHOST./", "http://a.localhost/", "http://printer.local/",
            "http://vault.internal/", "http://redis:6379/", "http://metadata/", "http://127.0.0.1/", "http://[::1]/",
            "http://169.254.169.254/latest", "http://[::ffff:10.0.0.1]/", "http://0.0.0.0/", "http://127.1/"]
        {
            let error = untrusted.check(url: url)
            #expect(error?.code == .policy, "\(url)")
            #expect(error?.details["host"] != nil || error?.details["reason"] == "invalid_url", "\(url)")
        }
        #expect(NetworkPolicy(trusted: true).check(url: "http://localhost:3000") == nil)
    }

    @Test func resolvedAddressIsCheckedWithDetails() throws {
        let address = try #require(IPAddress("10.1.2.3"))
        let error = try #require(untrusted.check(resolved: address, host: "rebind.example.com", port: 443))
        #expect(error.code == .policy)
        #expect(error.details["reason"] == "blocked_address")
        #expect(error.details["host"] == "rebind.example.com")
        #expect(error.details["address"] == "10.1.2.3")
        #expect(untrusted.check(resolved: try #require(IPAddress("93.184.216.34")), host: "example.com", port: 443) == nil)
        #expect(NetworkPolicy(trusted: true).check(resolved: address, host: "x", port: 1) == nil)
    }

    @Test func allowedAddressesExemptExactHostOrAddressAndPort() throws {
        let policy = NetworkPolicy(allowedAddresses: ["mcp.corp.example:8080", "10.0.0.5:9000", "[fd00::5]:443", "localhost:3000"])
        let privateAddress = try #require(IPAddress("10.9.9.9"))
        #expect(policy.check(resolved: privateAddress, host: "MCP.corp.example", port: 8080) == nil)
        #expect(policy.check(resolved: privateAddress, host: "mcp.corp.example", port: 8081) != nil)
        #expect(policy.check(resolved: try #require(IPAddress("10.0.0.5")), host: "other", port: 9000) == nil)
        #expect(policy.check(resolved: try #require(IPAddress("fd00:0::5")), host: "v6", port: 443) == nil)
        #expect(policy.check(url: "http://localhost:3000/mcp") == nil)
        #expect(policy.check(url: "http://localhost:3001/mcp") != nil)
        #expect(policy.check(url: "http://10.0.0.5:9000/") == nil)
        #expect(policy.redirectPolicy.check(url: "http://10.0.0.5:9000/") != nil)
    }

    @Test func allowedAddressEntriesAreValidatedAtLoad() {
        for entry in ["host:8080", "[fd00::1]:443", "10.0.0.1:80", "localhost:3000"] {
            #expect(NetworkPolicy.validateAllowedAddress(entry) == nil, "\(entry)")
        }
        for entry in ["http://host:8080", "host", "host:8080/path", "10.0.0.0/8:80", "8.8.8.8:53", "[2606:4700::1]:443",
            "fd00::1:443", "host:0", "host:65536", "user@host:80"]
        {
            #expect(NetworkPolicy.validateAllowedAddress(entry)?.code == .config, "\(entry)")
        }
        // An invalid entry never exempts anything.
        let policy = NetworkPolicy(allowedAddresses: ["10.0.0.1"])
        #expect(policy.check(url: "http://10.0.0.1/") != nil)
    }

    @Test(arguments: [
        ("example.com", "https://example.com/mcp", true), ("example.com", "https://www.example.com/", true),
        ("www.example.com", "https://example.com/", true), ("example.com", "https://api.example.com/", false),
        ("example.com", "https://example.com.evil.net/", false), ("example.com", "https://notexample.com/", false),
        ("*.example.com", "https://api.example.com/", true), ("*.example.com", "https://a.b.example.com/", true),
        ("*.example.com", "https://example.com/", true), ("*.example.com", "https://evilexample.com/", false),
        ("https://example.com", "https://example.com:8443/", true), ("https://example.com", "http://example.com/", false),
        ("https://example.com", "wss://example.com/", true), ("http://example.com:8080", "http://example.com:8080/", true),
        ("http://example.com:8080", "http://example.com/", false), ("example.com:8080", "https://example.com:8080/", true),
        ("EXAMPLE.com/", "http://example.COM/", true), ("[::1]:8080", "http://[::1]:8080/", true),
        ("*.1.2.3.4", "http://1.2.3.4/", true), ("*.example.com", "http://10.0.0.1/", false),
    ])
    func allowedDomainsMatching(entry: String, url: String, allowed: Bool) {
        let policy = NetworkPolicy(trusted: true, allowedDomains: [entry])
        let error = policy.check(url: url)
        #expect((error == nil) == allowed, "\(entry) vs \(url): \(String(describing: error))")
        if !allowed { #expect(error?.details["reason"] == "domain_not_allowed" || error?.details["reason"] == "invalid_url") }
    }

    @Test func allowListTurnsOffNameHeuristicsButNotTheAddressCheck() throws {
        let policy = NetworkPolicy(allowedDomains: ["mcp.internal"])
        #expect(policy.check(url: "https://mcp.internal/") == nil)
        #expect(policy.check(url: "https://other.example/")?.details["reason"] == "domain_not_allowed")
        // The connect-time check still refuses a private address unless allowedAddresses says otherwise.
        let address = try #require(IPAddress("10.0.0.7"))
        #expect(policy.check(resolved: address, host: "mcp.internal", port: 443) != nil)
        let exempted = NetworkPolicy(allowedDomains: ["mcp.internal"], allowedAddresses: ["mcp.internal:443"])
        #expect(exempted.check(resolved: address, host: "mcp.internal", port: 443) == nil)
    }
}
