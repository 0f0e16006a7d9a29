import MCPClientCore

/// The sandbox for user-created servers (config-formats.md §5, LibreChat `MCPServerUserInputSchema`).
enum UserTierRules {
    /// LibreChat's stripped fields, then ours: fields that reach host files, the host environment, the network
    /// guard or resource limits.
    static let strippedFields = [
        "startup", "timeout", "sseReadTimeout", "initTimeout", "chatMenu", "serverInstructions", "requiresOAuth", "customUserVars",
        "oauth_headers",
        "env", "args", "cwd", "stderr", "envFile", "envForward", "caFile", "clientCert", "clientKey", "trusted", "maxResponseBytes",
        "maxMessageBytes", "inputs",
    ]
    static let urlSchemes = ["http", "https", "ws", "wss"]
    static let oauthURLFields = ["authorization_url", "token_url", "redirect_uri", "revocation_endpoint"]

    /// Rejects what a user may not configure, strips what it may not set, scrubs headers. Returns warnings that
    /// name fields and placeholder kinds, never values.
    static func apply(_ server: JSONObject, allowOBO: Bool) throws(MCPError) -> (server: JSONObject, warnings: [String]) {
        var server = server
        var warnings: [String] = []
        if server["command"] != nil || server["type"]?.stringValue == "stdio" {
            throw violation("command", "user-created servers cannot be stdio (no command execution); give a remote url")
        }
        guard let url = server["url"]?.stringValue else { throw violation("url", "user-created servers need a remote 'url'") }
        try checkURL(url, path: "url", schemes: urlSchemes)
        if server["proxy"] != nil { throw violation("proxy", "user-created servers cannot set 'proxy'") }
        if server["obo"] != nil, !allowOBO { throw violation("obo", "'obo' on a user-created server needs the CONFIGURE_OBO permission") }
        for field in strippedFields where server[field] != nil {
            server[field] = nil
            warnings.append("\(field): removed (not allowed on user-created servers)")
        }
        if let oauth = server["oauth"] {
            guard let object = oauth.objectValue else { throw violation("oauth", "'oauth' must be an object") }
            for field in ["audience", "forward_audience_on_refresh"] where object[field] != nil {
                throw violation("oauth.\(field)", "'oauth.\(field)' is not allowed on user-created servers")
            }
            if object["private_key_file"] != nil {
                throw violation("oauth.private_key_file", "'oauth.private_key_file' is not allowed on user-created servers (it reads a host file)")
            }
            // Only operator-tier configs may leave a secret's endpoints to discovery (the server would pick them).
            if let field = ["client_secret", "private_key"].first(where: { object[$0] != nil }),
               object["authorization_url"] == nil || object["token_url"] == nil {
                var error = violation("oauth.\(field)",
                    "'oauth.\(field)' on a user-created server needs pinned 'oauth.authorization_url' and 'oauth.token_url'")
                error.details["reason"] = .string(field == "client_secret" ? "client_secret_without_endpoints" : "private_key_without_endpoints")
                throw error
            }
            for field in oauthURLFields {
                guard let value = object[field] else { continue }
                guard let text = value.stringValue else { throw violation("oauth.\(field)", "'oauth.\(field)' must be a string") }
                try checkURL(text, path: "oauth.\(field)", schemes: ["http", "https"])
                if let parameter = forbiddenQueryParameter(text) {
                    throw violation("oauth.\(field)", "'oauth.\(field)' must not carry the '\(parameter)' query parameter on user-created servers")
                }
            }
        }
        if let headers = server["headers"] {
            guard var object = headers.objectValue else { throw violation("headers", "'headers' must be an object of strings") }
            for index in object.entries.indices {
                guard let text = object.entries[index].value.stringValue else { continue }
                let (scrubbed, removed) = try scrubbedHeader(text, path: "headers.\(object.entries[index].key)")
                if removed > 0 {
                    object.entries[index].value = .string(scrubbed)
                    warnings.append("headers.\(object.entries[index].key): removed \(removed) placeholder(s) that user-created servers may not use")
                }
            }
            server["headers"] = .object(object)
        }
        // The private-address guard stays on whatever the config said.
        server["trusted"] = false
        // The result is stored and resolved later, maybe without a tier from the host: it must not claim more trust
        // (`effective` takes the less trusted of the host's tier and this one).
        var source = server["source"]?.objectValue ?? JSONObject()
        source["tier"] = .string(TrustTier.user.rawValue)
        server["source"] = .object(source)
        return (server, warnings)
    }

    static func violation(_ path: String, _ message: String) -> MCPError {
        MCPError(.policy, message, source: .config, details: ["path": .string(path)])
    }

    /// No `${…}` anywhere, no identity placeholders, and a scheme from the positive list.
    private static func checkURL(_ url: String, path: String, schemes: [String]) throws(MCPError) {
        if url.containsLiteral("${") { throw violation(path, "'\(path)' of a user-created server must not contain ${…}") }
        for piece in Template(url).pieces {
            if case .placeholder(let name, _) = piece, PlaceholderCatalogue.isIdentityShaped(name) {
                throw violation(path, "'\(path)' of a user-created server must not contain {{\(name)}}")
            }
        }
        guard let scheme = ServerValidator.scheme(url), schemes.contains(scheme) else {
            throw violation(path, "'\(path)' must be an \(schemes.joined(separator: ", ")) URL")
        }
    }

    /// `audience` or `resource` among the query parameters, compared after percent-decoding and case-folding.
    static func forbiddenQueryParameter(_ url: String) -> String? {
        guard let question = url.firstIndex(of: "?") else { return nil }
        var query = url[url.index(after: question)...]
        if let hash = query.firstIndex(of: "#") { query = query[..<hash] }
        for pair in query.split(whereSeparator: { $0 == "&" || $0 == ";" }) {
            let name = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).first ?? pair
            let decoded = percentDecoded(name).lowercased()
            if decoded == "audience" || decoded == "resource" { return decoded }
        }
        return nil
    }

    private static func percentDecoded(_ text: Substring) -> String {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8)[...]
        while let byte = iterator.popFirst() {
            if byte == UInt8(ascii: "%"), iterator.count >= 2, let high = hexValue(iterator[iterator.startIndex]),
               let low = hexValue(iterator[iterator.startIndex + 1]) {
                bytes.append(high << 4 | low)
                iterator = iterator.dropFirst(2)
            } else if byte == UInt8(ascii: "+") {
                bytes.append(0x20)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: byte - 0x30
        case 0x41...0x46: byte - 0x41 + 10
        case 0x61...0x66: byte - 0x61 + 10
        default: nil
        }
    }

    /// `scrub` until nothing is left to remove: taking out `${x}` from `$${x}{KEY}` joins a new `${KEY}`. A value
    /// still nesting references after a few passes is refused rather than scrubbed further.
    static func scrubbedHeader(_ text: String, path: String) throws(MCPError) -> (String, Int) {
        var (output, removed) = scrub(text)
        var lastRemoved = removed
        for _ in 0..<4 where lastRemoved > 0 {
            (output, lastRemoved) = scrub(output)
            removed += lastRemoved
        }
        if lastRemoved > 0 { throw violation(path, "'\(path)' nests placeholders inside each other; user-created servers may not use them") }
        return (output, removed)
    }

    /// Removes every `${…}` (any text up to the next `}`, however long) and every identity-shaped `{{…}}`.
    static func scrub(_ text: String) -> (String, Int) {
        var output = ""
        var removed = 0
        var index = text.startIndex
        // Once a search for `}` fails, later ones would too: stop searching (linear time).
        var braceAhead = true
        var braces = Template.BraceFinder(text: text)
        while index < text.endIndex {
            let rest = text[index...]
            if braceAhead, rest.hasPrefix("${") {
                if let close = rest.firstIndex(of: "}") {
                    removed += 1
                    index = text.index(after: close)
                    continue
                }
                braceAhead = false
            }
            if rest.hasPrefix("{{") {
                let nameStart = text.index(index, offsetBy: 2)
                if let close = braces.closing(from: nameStart), text[close...].hasPrefix("}}"),
                   PlaceholderCatalogue.isIdentityShaped(text[nameStart..<close]) {
                    removed += 1
                    index = text.index(close, offsetBy: 2)
                    continue
                }
            }
            output.append(text[index])
            index = text.index(after: index)
        }
        return (output, removed)
    }
}
