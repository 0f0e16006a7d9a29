import MCPClientCore

extension StreamableHTTPTransport.Options {
    /// Whether the configured headers carry their own `Authorization`: it wins, and the authorizer is never asked.
    var hasStaticAuthorization: Bool { headers.contains { ASCII.equalsIgnoringCase($0.name, "authorization") } }

    /// The authorizer to consult; none when a configured `Authorization` header takes precedence.
    var activeAuthorizer: (any RequestAuthorizer)? { hasStaticAuthorization ? nil : authorizer }

    /// The `Authorization` value for a request to `url`, read now (a refreshed token goes out with the next request).
    /// Only the configured server's origin gets it: the token is bound to that resource.
    func authorization(for url: String) -> String? {
        // Checked cheapest first: most connections have no authorizer, and most requests go to the configured URL.
        guard let authorizer, !hasStaticAuthorization, url == self.url || RequestAuthorization.sameOrigin(url, self.url),
            let value = authorizer.currentAuthorization(), RequestAuthorization.isValidHeaderValue(value)
        else { return nil }
        return value
    }
}

/// The transports' side of `RequestAuthorizer`: recognizing a refusal and asking once whether to send again.
enum RequestAuthorization {
    /// A 401, or a 403 whose Bearer challenge says `insufficient_scope` (a step-up: another token may do). Any other
    /// 403 is the server's final word. The full challenge parser lives with the OAuth engine; this only routes.
    static func isRefusal(status: Int, wwwAuthenticate: [String]) -> Bool {
        if status == 401 { return true }
        guard status == 403 else { return false }
        return wwwAuthenticate.contains { value in
            let lowered = value.prefix(8192).lowercased()
            return lowered.containsLiteral("bearer") && lowered.containsLiteral("insufficient_scope")
        }
    }

    /// Every `WWW-Authenticate` field of a response, in order (a server may send one per scheme).
    static func challenges(in headers: [(name: String, value: String)]) -> [String] {
        headers.filter { ASCII.equalsIgnoringCase($0.name, "www-authenticate") }.prefix(16).map(\.value)
    }

    /// The authorizer's answer as a transport acts on it: nil to send once more, else the error to report.
    typealias Outcome = @Sendable (MCPError?) -> Void

    /// Asks `authorizer` about a refusal of a request to `url` that carried `sent`, unless there is none or this
    /// request was already sent again once (then the answer is `authorizationRequired` at once). Called without any
    /// transport lock held; `outcome` may run on any thread, inside this call or later.
    static func ask(
        _ authorizer: (any RequestAuthorizer)?, status: Int, wwwAuthenticate: [String], sent: String?, url: String, alreadyRetried: Bool,
        outcome: @escaping Outcome
    ) {
        let refusal = MCPError.authorizationRequired(status: status, wwwAuthenticate: wwwAuthenticate)
        guard let authorizer, !alreadyRetried else { outcome(refusal); return }
        let challenge = AuthorizationChallenge(status: status, wwwAuthenticate: wwwAuthenticate, sentAuthorization: sent, url: url)
        authorizer.challenged(challenge) { decision in
            switch decision {
            case .retry: outcome(nil)
            case .fail(let error): outcome(error)
            }
        }
    }

    static func sameOrigin(_ a: String, _ b: String) -> Bool {
        guard let from = try? ParsedURL(a), let to = try? ParsedURL(b) else { return false }
        return MCPClientTransport.sameOrigin(from, to)
    }

    /// A value that cannot break the header block (CR, LF, NUL) or be absurdly long; anything else is not sent.
    static func isValidHeaderValue(_ value: String) -> Bool {
        !value.isEmpty && value.utf8.count <= 16 << 10 && value.utf8.allSatisfy { $0 == 0x09 || ($0 >= 0x20 && $0 != 0x7F) }
    }
}
