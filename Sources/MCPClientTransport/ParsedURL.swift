public import MCPClientCore

/// An absolute hierarchical URL split just far enough for policy checks and request building.
///
/// Stricter than WHATWG on purpose: anything two parsers could read differently (userinfo, backslashes,
/// whitespace, percent-encoded or non-ASCII hosts, shorthand IPv4 hosts) is refused rather than normalized.
public struct ParsedURL: Sendable, Equatable {
    /// Lowercased.
    public var scheme: String
    /// Lowercased, without a trailing root dot; an IPv6 literal without brackets (zone included as "%zone").
    public var host: String
    /// The port written in the URL, if any.
    public var port: Int?
    /// Path plus "?query", at least "/"; the fragment is dropped.
    public var pathAndQuery: String
    /// Set when the host is an IP literal.
    public var ipLiteral: IPAddress?

    public var effectivePort: Int { port ?? Self.defaultPort(scheme) ?? 0 }

    /// host[:port] as sent in a Host header, IPv6 in brackets, the port only when not the scheme's default.
    public var authority: String {
        let bracketed = ipLiteral.map { $0.isIPv4 ? host : "[\(host.replacingZoneMarker())]" } ?? host
        guard let port, port != Self.defaultPort(scheme) else { return bracketed }
        return "\(bracketed):\(port)"
    }

    public static func defaultPort(_ scheme: String) -> Int? {
        switch scheme {
        case "http", "ws": 80
        case "https", "wss": 443
        default: nil
        }
    }

    public init(_ text: String) throws(MCPError) {
        func reject(_ reason: String, _ message: String) -> MCPError {
            MCPError.invalid("invalid URL: \(message)", details: ["reason": .string(reason)])
        }
        // Whitespace, controls, backslashes and raw non-ASCII are where URL parsers disagree.
        guard text.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\\") }) else {
            throw reject("invalid_character", "whitespace, control, backslash or non-ASCII character")
        }
        guard let separator = text.range(ofLiteral: "://") else { throw reject("not_absolute", "no scheme://") }
        let scheme = text[..<separator.lowerBound].lowercased()
        guard let first = scheme.utf8.first, (0x61...0x7A).contains(first),
            scheme.utf8.allSatisfy({ (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2B || $0 == 0x2D || $0 == 0x2E })
        else { throw reject("invalid_scheme", "bad scheme") }
        var rest = text[separator.upperBound...]
        if let hash = rest.firstIndex(of: "#") { rest = rest[..<hash] }
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        var path = String(rest[authorityEnd...])
        if path.isEmpty || path.hasPrefix("?") { path = "/" + path }
        guard !authority.contains("@") else { throw reject("userinfo_not_allowed", "credentials in the URL") }

        var hostText: Substring
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw reject("invalid_host", "unclosed [") }
            hostText = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw reject("invalid_host", "text after ]") }
                portText = after.dropFirst()
            }
        } else {
            hostText = authority
            if let colon = authority.firstIndex(of: ":") {
                hostText = authority[..<colon]
                portText = authority[authority.index(after: colon)...]
            }
        }

        var port: Int?
        if let portText, !portText.isEmpty {
            guard portText.utf8.count <= 5, portText.utf8.allSatisfy({ (0x30...0x39).contains($0) }),
                let value = Int(portText), value <= 65535
            else { throw reject("invalid_port", "bad port") }
            port = value
        }

        let host: String
        var ipLiteral: IPAddress?
        if authority.hasPrefix("[") {
            // RFC 6874: the zone follows "%25" and is unreserved characters only. Any other "%" was read as a zone
            // separator too ("[::a%2F]" had zone "2F"), and the zone could hold quotes and "=", which curl refuses.
            var literal = String(hostText)
            if let percent = hostText.firstIndex(of: "%") {
                let zone = hostText[percent...].dropFirst(3)
                guard hostText[percent...].hasPrefix("%25"), !zone.isEmpty, zone.utf8.allSatisfy(Self.isUnreserved) else {
                    throw reject("invalid_host", "bad IPv6 zone")
                }
                literal = String(hostText[..<percent]) + "%" + String(zone)
            }
            guard let address = IPAddress(literal), !address.isIPv4 else { throw reject("invalid_host", "bad IPv6 literal") }
            ipLiteral = address
            host = address.description
        } else {
            var name = hostText.lowercased()
            if name.hasSuffix(".") { name.removeLast() }
            let labels = name.split(separator: ".", omittingEmptySubsequences: false)
            guard !name.isEmpty,
                labels.allSatisfy({ !$0.isEmpty && $0.utf8.count <= 63 }),
                name.utf8.allSatisfy({ (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2D || $0 == 0x2E || $0 == 0x5F })
            else { throw reject("invalid_host", "bad host name") }
            if let last = labels.last, Self.looksNumeric(last) {
                // WHATWG and curl read "127.1", "0x7f.1" or "2130706433" as IPv4; only a strict quad is accepted.
                guard let quad = IPAddress.parseIPv4(Substring(name)), let address = IPAddress(bytes: quad) else {
                    throw reject("ambiguous_ipv4", "host looks like a shorthand IPv4 address")
                }
                ipLiteral = address
            }
            host = name
        }
        self.scheme = scheme
        self.host = host
        self.port = port
        self.pathAndQuery = path
        self.ipLiteral = ipLiteral
    }

    /// WHATWG "ends in a number": all decimal digits, or 0x followed by hex digits.
    private static func looksNumeric(_ label: Substring) -> Bool {
        let lower = label.lowercased()
        if lower.utf8.allSatisfy({ (0x30...0x39).contains($0) }) { return true }
        guard lower.hasPrefix("0x") else { return false }
        return lower.utf8.dropFirst(2).allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }
}

/// Same scheme, host and effective port: the redirect rule's test for keeping credentials and headers.
public func sameOrigin(_ a: ParsedURL, _ b: ParsedURL) -> Bool {
    a.scheme == b.scheme && a.host == b.host && a.effectivePort == b.effectivePort
}

extension ParsedURL {
    static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"): true
        default: false
        }
    }
}

extension String {
    fileprivate func replacingZoneMarker() -> String { replacingLiteral("%", with: "%25") }
}
