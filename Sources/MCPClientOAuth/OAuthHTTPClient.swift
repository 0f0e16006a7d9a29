public import MCPClientCore
public import MCPClientTransport

/// How OAuth requests reach the network: the server's TLS, proxy and SSRF policy, the operator's `oauth_headers`, and
/// the small budgets OAuth documents deserve (oauth.md §5.3, §6.6).
public struct OAuthHTTPOptions: Sendable {
    /// Where metadata, registration and token endpoints may be; an untrusted (user-created) server's policy refuses
    /// private and metadata addresses, before connecting and again on the address each connection actually uses.
    public var policy = NetworkPolicy(trusted: true)
    public var schemePolicy = URLSchemePolicy()
    /// LibreChat's `oauth_headers`: sent on probe, discovery, registration and token requests only, never to the RS
    /// afterwards; dropped when a redirect leaves the origin.
    public var headers: [(name: String, value: String)] = []
    /// Sent as `MCP-Protocol-Version` on the probe and discovery requests (2025-03-26 asked for it).
    public var protocolVersion: String? = "2025-11-25"
    public var connectTimeoutMs = 5_000
    public var timeoutMs = 5_000
    public var maxResponseBytes = 1 << 20
    public var tls = TLSOptions()
    public var proxy: String?
    public var resolve: [String] = []
    public init() {}
}

/// One OAuth exchange's answer. `description` shows no body or header values, which may hold tokens.
public struct OAuthHTTPResponse: Sendable, CustomStringConvertible {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    /// The URL that answered (after any redirects the request allowed).
    public var url: String

    public func headerValues(_ name: String) -> [String] {
        let wanted = name.lowercased()
        return headers.filter { $0.name.lowercased() == wanted }.map(\.value)
    }

    public func header(_ name: String) -> String? { headerValues(name).first }
    public var description: String { "OAuthHTTPResponse(\(status), \(body.count) bytes)" }
}

/// Blocking HTTP for the OAuth engine on the library's `HTTPEngine` (each exchange runs on the caller's thread, as
/// a blocking host call does). Every URL passes the scheme policy and the network policy before it is fetched;
/// redirects are followed only where `maxRedirects` allows it (metadata GETs), each hop checked again, never for
/// POSTs (a code, secret or refresh token must reach the endpoint the metadata named, nowhere else).
public final class OAuthHTTPClient: Sendable {
    public let engine: HTTPEngine
    public let options: OAuthHTTPOptions
    /// Redirect hops for discovery GETs.
    public static let maxRedirects = 3

    public init(engine: HTTPEngine, options: OAuthHTTPOptions = OAuthHTTPOptions()) {
        self.engine = engine
        self.options = options
    }

    /// A GET or POST with the configured headers (plus `MCP-Protocol-Version` when `discovery`). `role` names the
    /// URL in errors (`resource_metadata`, `token_endpoint`, …).
    public func send(
        method: String, url: String, headers extra: [(name: String, value: String)] = [], body: [UInt8]? = nil,
        role: String, discovery: Bool = false, maxRedirects: Int = 0
    ) throws(MCPError) -> OAuthHTTPResponse {
        var headers = options.headers + extra
        if discovery, let version = options.protocolVersion { headers.append((name: "MCP-Protocol-Version", value: version)) }
        var current = url
        var hop = 0
        while true {
            let checked = try options.schemePolicy.check(current, role: role)
            // Redirect targets never inherit allowedAddresses (as in the transports).
            let policy = hop == 0 ? options.policy : options.policy.redirectPolicy
            if let refusal = policy.check(url: current) { throw Self.tagged(refusal, role: role, url: checked) }
            let response = try exchange(method: method, url: current, headers: headers, body: body, policy: policy, role: role, checked: checked)
            guard [301, 302, 303, 307, 308].contains(response.status), hop < maxRedirects, method == "GET",
                let location = response.header("Location")
            else { return response }
            let target = try Self.resolve(location, against: checked, role: role, policy: options.schemePolicy)
            if !target.sameOrigin(checked) {
                let configured = Set(options.headers.map { $0.name.lowercased() })
                headers.removeAll { configured.contains($0.name.lowercased()) || $0.name.lowercased() == "authorization" }
            }
            current = target.string
            hop += 1
        }
    }

    /// A GET that must answer 200 with a JSON document, for callers that take any other status as "not here".
    public func getDocument(_ url: String, role: String) throws(MCPError) -> OAuthHTTPResponse {
        try send(method: "GET", url: url, headers: [(name: "Accept", value: "application/json")], role: role, discovery: true,
            maxRedirects: Self.maxRedirects)
    }

    private func exchange(
        method: String, url: String, headers: [(name: String, value: String)], body: [UInt8]?, policy: NetworkPolicy, role: String,
        checked: OAuthURL
    ) throws(MCPError) -> OAuthHTTPResponse {
        var request = HTTPRequest(method: method, url: url, headers: headers, body: body)
        request.connectTimeoutMs = options.connectTimeoutMs
        request.timeoutMs = options.timeoutMs
        request.maxResponseBytes = options.maxResponseBytes
        request.tls = options.tls
        request.proxy = options.proxy
        request.resolve = options.resolve
        if !policy.trusted {
            // Fail closed: an unparseable URL gets no connection rather than no check.
            let host = try ParsedURL(url).host
            request.checkAddress = { address, port in policy.check(resolved: address, host: host, port: port) }
        }
        // An environment proxy would resolve the name out of the address check's sight (as in the transports).
        request.direct = !policy.trusted && policy.allowedDomains.isEmpty && options.proxy == nil
        let collected = Locked<(status: Int, headers: [(name: String, value: String)], body: [UInt8])>((0, [], []))
        let ended = Locked<MCPError?>(nil)
        let handler = HTTPResponseHandler(
            head: { status, headers in collected.withLock { $0.status = status; $0.headers = headers } },
            body: { bytes in collected.withLock { $0.body.append(contentsOf: bytes) } },
            end: { error in ended.withLock { $0 = error } })
        let clock = SystemClock()
        let deadline = clock.nowNanoseconds() &+ UInt64(max(1, options.timeoutMs)) &* 1_000_000 &+ 500_000_000
        engine.perform(request, handler: handler, exchange: engine.callerThreadExchange(), deadline: { deadline })
        if let error = ended.withLock({ $0 }) { throw Self.tagged(error, role: role, url: checked) }
        let result = collected.withLock { $0 }
        return OAuthHTTPResponse(status: result.status, headers: result.headers, body: result.body, url: url)
    }

    /// A `Location` made absolute against the URL that sent it; only http(s) targets, through the scheme policy.
    static func resolve(_ location: String, against base: OAuthURL, role: String, policy: URLSchemePolicy) throws(MCPError) -> OAuthURL {
        let text: String
        if ASCII.equalsIgnoringCase(String(location.prefix(7)), "http://") || ASCII.equalsIgnoringCase(String(location.prefix(8)), "https://") {
            text = location
        } else if location.hasPrefix("//") {
            text = base.scheme + ":" + location
        } else if location.hasPrefix("/") {
            text = base.origin + location
        } else {
            throw MCPError(.protocolError, "\(role) redirected to a relative location this client does not follow", source: .auth,
                details: ["reason": "redirect_unsupported", "role": .string(role)])
        }
        return try policy.check(text, role: role)
    }

    /// Adds which URL (without its query) and role an error is about, keeping the engine's or policy's reason.
    static func tagged(_ error: MCPError, role: String, url: OAuthURL) -> MCPError {
        var error = error
        error.details["role"] = .string(role)
        error.details["url"] = .string(url.description)
        return error
    }
}
