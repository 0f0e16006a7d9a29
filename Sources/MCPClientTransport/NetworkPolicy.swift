public import MCPClientCore

/// Where a remote server may be reached (config-formats.md §6). Pure: the HTTP engine calls `check(url:)` before
/// connecting (and for every redirect hop, with `redirectPolicy`) and `check(resolved:host:port:)` from the socket
/// callback with the address actually connected, which closes the DNS-rebinding gap.
///
/// - `allowedDomains`, when non-empty, is a strict allow-list for every server, trusted or not.
/// - Untrusted (user-created) servers may not reach loopback, private, link-local, metadata or other
///   non-global addresses, nor `localhost`/`.local`/`.internal`/single-label names, unless `allowedAddresses`
///   lists the exact `host:port` or `[ipv6]:port`. The resolved-address check stays on even with an allow-list:
///   a listed domain can still be re-pointed at an internal address.
public struct NetworkPolicy: Sendable, Equatable {
    public var trusted: Bool
    public var allowedDomains: [String]
    public var allowedAddresses: [String]

    public static let allowedSchemes: Set<String> = ["http", "https", "ws", "wss"]
    /// Suffixes that only resolve inside a private network.
    public static let internalSuffixes = ["localhost", "local", "internal", "localdomain", "home.arpa", "lan"]

    public init(trusted: Bool = false, allowedDomains: [String] = [], allowedAddresses: [String] = []) {
        self.trusted = trusted
        self.allowedDomains = allowedDomains
        self.allowedAddresses = allowedAddresses
    }

    /// The policy for a redirect target: `allowedAddresses` is never inherited by redirects.
    public var redirectPolicy: NetworkPolicy {
        NetworkPolicy(trusted: trusted, allowedDomains: allowedDomains, allowedAddresses: [])
    }

    /// Nil when the URL may be connected to (subject to the resolved-address check); unparseable URLs fail closed.
    public func check(url text: String) -> MCPError? {
        let url: ParsedURL
        do {
            url = try ParsedURL(text)
        } catch {
            var details: JSONObject = ["reason": "invalid_url"]
            details["cause"] = error.details["reason"]
            return MCPError(.policy, error.message, details: details)
        }
        return check(url: url)
    }

    public func check(url: ParsedURL) -> MCPError? {
        guard Self.allowedSchemes.contains(url.scheme) else {
            return refusal("scheme_not_allowed", "the scheme \(url.scheme) is not allowed", url: url)
        }
        if !allowedDomains.isEmpty, !allowedDomains.contains(where: { Self.domainEntry($0, matches: url) }) {
            return refusal("domain_not_allowed", "\(url.host) is not in allowedDomains", url: url)
        }
        guard !trusted, !isExempt(host: url.host, port: url.effectivePort) else { return nil }
        if let literal = url.ipLiteral {
            let addressClass = literal.addressClass
            guard addressClass.isBlocked, !isExempt(host: literal.description, port: url.effectivePort) else { return nil }
            return refusal("blocked_address", "\(literal) is a \(addressClass.rawValue) address", url: url, address: literal,
                addressClass: addressClass)
        }
        // Listed domains skip the name heuristics; the resolved-address check still applies to them.
        if allowedDomains.isEmpty, Self.isInternalHostName(url.host) {
            return refusal("blocked_host", "\(url.host) names an internal host", url: url)
        }
        return nil
    }

    /// Called with the address a connection is about to use.
    public func check(resolved address: IPAddress, host: String, port: Int) -> MCPError? {
        guard !trusted else { return nil }
        let addressClass = address.addressClass
        guard addressClass.isBlocked else { return nil }
        let plain = IPAddress(bytes: address.bytes) ?? address  // the zone never matters for the exemption
        if isExempt(host: host.lowercased(), port: port) || isExempt(host: plain.description, port: port) { return nil }
        return MCPError(.policy, "\(host) resolved to \(plain), a \(addressClass.rawValue) address",
            details: ["reason": "blocked_address", "host": .string(host), "address": .string(plain.description),
                "port": .int(Int64(port)), "class": .string(addressClass.rawValue)])
    }

    /// `localhost`, names under internal-only suffixes, and single-label names (docker services like `redis`, `db`).
    public static func isInternalHostName(_ host: String) -> Bool {
        var name = host.lowercased()
        if name.hasSuffix(".") { name.removeLast() }
        guard name.contains(".") else { return IPAddress(name) == nil }
        return internalSuffixes.contains { name == $0 || name.hasSuffix("." + $0) }
    }

    /// Load-time validation of one `allowedAddresses` entry: only `host:port` or `[ipv6]:port` naming
    /// a non-public destination (URLs, paths, CIDR, bare hosts and public IP literals are refused).
    /// `host:port:address` (address an IPv4 or bracketed IPv6 literal), as curl's `--resolve` takes it.
    public static func validateResolvePin(_ entry: String) -> MCPError? {
        let parts = entry.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
        let address = parts.count == 3 ? parts[2].trimmingASCIIWhitespace() : ""
        let literal = address.hasPrefix("[") && address.hasSuffix("]") ? String(address.dropFirst().dropLast()) : address
        guard parts.count == 3, !parts[0].isEmpty, let port = Int(parts[1]), (1...65_535).contains(port), IPAddress(literal) != nil else {
            return .config("resolve entries must be host:port:address with an IP address", details: ["entry": .string(entry)])
        }
        return nil
    }

    public static func validateAllowedAddress(_ entry: String) -> MCPError? {
        guard let (host, _) = parseHostPort(entry) else {
            return .config("allowedAddresses entries must be host:port or [ipv6]:port", details: ["entry": .string(entry)])
        }
        if let address = IPAddress(host), !address.isBlocked {
            return .config("allowedAddresses may not list a public address", details: ["entry": .string(entry)])
        }
        return nil
    }

    private func isExempt(host: String, port: Int) -> Bool {
        allowedAddresses.contains { entry in
            guard Self.validateAllowedAddress(entry) == nil, let (entryHost, entryPort) = Self.parseHostPort(entry) else {
                return false
            }
            return entryHost == host && entryPort == port
        }
    }

    /// Normalized (host, port) from "host:port" or "[v6]:port"; IPv6 hosts in canonical form.
    private static func parseHostPort(_ entry: String) -> (String, Int)? {
        let text = entry.lowercased()
        guard !text.contains("/"), !text.contains("@"), let colon = text.lastIndex(of: ":") else { return nil }
        var host = String(text[..<colon])
        let portText = text[text.index(after: colon)...]
        guard (1...5).contains(portText.utf8.count), portText.utf8.allSatisfy({ (0x30...0x39).contains($0) }),
            let port = Int(portText), (1...65535).contains(port)
        else { return nil }
        if host.hasPrefix("[") {
            guard host.hasSuffix("]"), let address = IPAddress(host.dropFirst().dropLast()), !address.isIPv4 else {
                return nil
            }
            host = address.description
        } else {
            guard !host.isEmpty, !host.contains(":"), (try? ParsedURL("http://\(host)/")) != nil else { return nil }
            if host.hasSuffix(".") { host.removeLast() }
        }
        return (host, port)
    }

    /// `example.com`, `*.example.com` (subdomains and the apex), `https://host`, `http://host:8080`, `host:8080`.
    /// "www." is ignored on both sides; a scheme matches its WebSocket counterpart (http~ws, https~wss); without a port
/// in the entry any port matches.
    static func domainEntry(_ entry: String, matches url: ParsedURL) -> Bool {
        var text = entry.trimmingASCIIWhitespace().lowercased()
        var scheme: String?
        if let separator = text.range(ofLiteral: "://") {
            scheme = String(text[..<separator.lowerBound])
            text = String(text[separator.upperBound...])
        }
        while text.hasSuffix("/") { text.removeLast() }
        var wildcard = false
        if text.hasPrefix("*.") {
            wildcard = true
            text.removeFirst(2)
        }
        guard let parsed = try? ParsedURL("\(scheme ?? "http")://\(text)/") else { return false }
        if let scheme, Self.secureEquivalent(scheme) != Self.secureEquivalent(url.scheme) { return false }
        if let port = parsed.port, port != url.effectivePort { return false }
        let entryHost = Self.strippingWWW(parsed.host)
        let host = Self.strippingWWW(url.host)
        if host == entryHost { return true }
        return wildcard && url.ipLiteral == nil && host.hasSuffix("." + entryHost)
    }

    private static func secureEquivalent(_ scheme: String) -> String {
        switch scheme {
        case "ws": "http"
        case "wss": "https"
        default: scheme
        }
    }

    private static func strippingWWW(_ host: String) -> String {
        host.hasPrefix("www.") ? String(host.dropFirst(4)) : host
    }

    private func refusal(_ reason: String, _ message: String, url: ParsedURL, address: IPAddress? = nil,
                         addressClass: AddressClass? = nil) -> MCPError
    {
        var details: JSONObject = ["reason": .string(reason), "host": .string(url.host)]
        if let address { details["address"] = .string(address.description) }
        if let addressClass { details["class"] = .string(addressClass.rawValue) }
        return MCPError(.policy, message, details: details)
    }
}

