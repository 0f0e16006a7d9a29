import Glibc
public import MCPClientCore

/// An absolute http(s) URL as the OAuth engine needs it: origin, path and query kept apart so well-known URIs can
/// be built and resources compared. Strict on purpose (no userinfo, whitespace, backslashes or raw non-ASCII),
/// and `string` reproduces the input's path and query exactly, so issuer strings compare as written.
public struct OAuthURL: Sendable, Equatable, CustomStringConvertible {
    /// Lowercased.
    public var scheme: String
    /// Lowercased; IPv6 literals keep their brackets.
    public var host: String
    public var port: Int?
    /// As written ("" when the URL has no path).
    public var path: String
    /// Without the "?" (nil when absent).
    public var query: String?
    public var hasFragment: Bool

    public static let maxLength = 4096

    public init(_ text: String) throws(MCPError) {
        func reject(_ reason: String, _ message: String) -> MCPError {
            MCPError.invalid("invalid URL: \(message)", details: ["reason": .string(reason)])
        }
        guard text.utf8.count <= Self.maxLength else { throw reject("too_long", "longer than \(Self.maxLength) bytes") }
        guard text.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\\") }) else {
            throw reject("invalid_character", "whitespace, control, backslash or non-ASCII character")
        }
        guard let separator = text.range(ofLiteral: "://") else { throw reject("not_absolute", "no scheme://") }
        let scheme = text[..<separator.lowerBound].lowercased()
        guard let first = scheme.utf8.first, (0x61...0x7A).contains(first),
            scheme.utf8.allSatisfy({ (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2B || $0 == 0x2D || $0 == 0x2E })
        else { throw reject("invalid_scheme", "bad scheme") }
        var rest = text[separator.upperBound...]
        var hasFragment = false
        if let hash = rest.firstIndex(of: "#") {
            rest = rest[..<hash]
            hasFragment = true
        }
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        var pathAndQuery = rest[authorityEnd...]
        var query: String?
        if let mark = pathAndQuery.firstIndex(of: "?") {
            query = String(pathAndQuery[pathAndQuery.index(after: mark)...])
            pathAndQuery = pathAndQuery[..<mark]
        }
        guard authority.firstIndex(of: "@") == nil else { throw reject("userinfo_not_allowed", "credentials in the URL") }

        var hostText = authority
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw reject("invalid_host", "unclosed [") }
            hostText = authority[...close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw reject("invalid_host", "text after ]") }
                portText = after.dropFirst()
            }
            let literal = String(hostText.dropFirst().dropLast())
            var address = in6_addr()
            guard inet_pton(AF_INET6, literal, &address) == 1 else { throw reject("invalid_host", "bad IPv6 literal") }
        } else if let colon = authority.firstIndex(of: ":") {
            hostText = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
        }
        var port: Int?
        if let portText {
            guard !portText.isEmpty, portText.utf8.count <= 5, portText.utf8.allSatisfy({ (0x30...0x39).contains($0) }),
                let value = Int(portText), value <= 65535
            else { throw reject("invalid_port", "bad port") }
            port = value
        }
        let host = hostText.lowercased()
        if !host.hasPrefix("[") {
            guard !host.isEmpty, host.utf8.count <= 253,
                host.utf8.allSatisfy({ (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2D || $0 == 0x2E || $0 == 0x5F })
            else { throw reject("invalid_host", "bad host name") }
        }
        self.scheme = scheme
        self.host = host
        self.port = port
        self.path = String(pathAndQuery)
        self.query = query
        self.hasFragment = hasFragment
    }

    public static func defaultPort(_ scheme: String) -> Int? {
        switch scheme {
        case "http": 80
        case "https": 443
        default: nil
        }
    }

    public var effectivePort: Int? { port ?? Self.defaultPort(scheme) }

    /// scheme://host[:port], the port only when written (as written, so issuers compare exactly).
    public var origin: String {
        guard let port else { return "\(scheme)://\(host)" }
        return "\(scheme)://\(host):\(port)"
    }

    /// The URL without its fragment.
    public var string: String { origin + path + (query.map { "?" + $0 } ?? "") }

    public var description: String { origin + path }

    public func sameOrigin(_ other: OAuthURL) -> Bool {
        scheme == other.scheme && host == other.host && effectivePort == other.effectivePort
    }

    /// `localhost` (and `*.localhost`), 127.0.0.0/8 and ::1.
    public var isLoopback: Bool {
        if host == "localhost" || host.hasSuffix(".localhost") { return true }
        if host.hasPrefix("[") {
            var address = in6_addr()
            guard inet_pton(AF_INET6, String(host.dropFirst().dropLast()), &address) == 1 else { return false }
            return withUnsafeBytes(of: &address) { bytes in bytes.prefix(15).allSatisfy { $0 == 0 } && bytes[15] == 1 }
        }
        var address = in_addr()
        guard inet_pton(AF_INET, host, &address) == 1 else { return false }
        return withUnsafeBytes(of: &address) { $0[0] == 127 }
    }

    /// This URL with `path` and no query.
    public func with(path newPath: String) -> OAuthURL {
        var copy = self
        copy.path = newPath
        copy.query = nil
        copy.hasFragment = false
        return copy
    }
}

/// Which URL schemes OAuth endpoints may use (oauth.md §5.1): https always; http only for loopback hosts, allowed
/// by default because local development and the conformance harness run on `http://localhost`.
public struct URLSchemePolicy: Sendable, Equatable {
    public var allowLoopbackHTTP: Bool

    public init(allowLoopbackHTTP: Bool = true) { self.allowLoopbackHTTP = allowLoopbackHTTP }

    /// Parses and checks `text`; `role` names the URL in the error ("token_endpoint", …). The error names the scheme
    /// and host only: a URL's query could carry something secret.
    public func check(_ text: String, role: String) throws(MCPError) -> OAuthURL {
        let url: OAuthURL
        do { url = try OAuthURL(text) } catch {
            var details = error.details
            details["role"] = .string(role)
            throw MCPError(.policy, "\(role): \(error.message)", details: details)
        }
        try check(url, role: role)
        return url
    }

    public func check(_ url: OAuthURL, role: String) throws(MCPError) {
        let allowed = url.scheme == "https" || (url.scheme == "http" && allowLoopbackHTTP && url.isLoopback)
        guard allowed else {
            let reason = url.scheme == "http" ? "http_not_loopback" : "scheme_not_allowed"
            throw MCPError(.policy, "\(role) must use https (http only on loopback hosts); got \(url.scheme)://\(url.host)",
                details: ["reason": .string(reason), "role": .string(role), "scheme": .string(url.scheme)])
        }
    }
}
