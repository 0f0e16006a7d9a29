public import MCPClientCore
import MCPClientTransport

/// An absolute http(s) URL as the OAuth engine needs it: origin, path and query kept apart so well-known URIs can
/// be built and resources compared. Strict on purpose (no userinfo, whitespace, backslashes or raw non-ASCII),
/// and `string` reproduces the input's path and query exactly, so issuer strings compare as written.
public struct OAuthURL: Sendable, Equatable, CustomStringConvertible {
    /// Lowercased.
    public var scheme: String
    /// Lowercased (an IPv6 zone as written); IPv6 literals keep their brackets and a zone its "%25".
    public var host: String
    public var port: Int?
    /// As written ("" when the URL has no path).
    public var path: String
    /// Without the "?" (nil when absent).
    public var query: String?
    public var hasFragment: Bool

    public static let maxLength = 4096

    /// The host's address when it is an IP literal.
    private var address: IPAddress?

    public init(_ text: String) throws(MCPError) {
        guard text.utf8.count <= Self.maxLength else {
            throw MCPError.invalid("invalid URL: longer than \(Self.maxLength) bytes", details: ["reason": "too_long"])
        }
        // The transports' parser decides what a valid URL is (and refuses what parsers read differently), so the
        // OAuth engine and the network policy never disagree about a host; only the path and query are split here,
        // kept exactly as written so issuers compare as written.
        let parsed = try ParsedURL(text)
        var rest = text[(text.range(ofLiteral: "://")?.upperBound ?? text.endIndex)...]
        hasFragment = rest.firstIndex(of: "#") != nil
        if let hash = rest.firstIndex(of: "#") { rest = rest[..<hash] }
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        guard !rest[..<authorityEnd].hasSuffix(":") else {
            throw MCPError.invalid("invalid URL: bad port", details: ["reason": "invalid_port"])  // "host:" says nothing
        }
        var pathAndQuery = rest[authorityEnd...]
        query = nil
        if let mark = pathAndQuery.firstIndex(of: "?") {
            query = String(pathAndQuery[pathAndQuery.index(after: mark)...])
            pathAndQuery = pathAndQuery[..<mark]
        }
        scheme = parsed.scheme
        address = parsed.ipLiteral
        // An IPv6 zone keeps its "%25" separator, so `string` parses back to the same URL.
        host = parsed.ipLiteral.map { $0.isIPv4 ? parsed.host : "[" + parsed.host.replacingLiteral("%", with: "%25") + "]" } ?? parsed.host
        port = parsed.port
        path = String(pathAndQuery)
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
        host == "localhost" || host.hasSuffix(".localhost") || address?.addressClass == .loopback
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
