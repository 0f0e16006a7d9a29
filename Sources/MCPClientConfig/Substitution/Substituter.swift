import MCPClientCore

/// What a field accepts (config-formats.md §3.6). `command`, `cwd`, `title` and `iconPath` are never rendered.
struct FieldRule {
    var placeholders = true
    var inputs = true
    var hostPaths = true
    var header = false
    /// Leftover references are an error here.
    var url = false

    /// `url` and the OAuth endpoint URLs.
    static let url = FieldRule(url: true)
    static let header = FieldRule(header: true)
    static let value = FieldRule()
    /// `proxy`, `apiKey.key`: `${VAR}` only.
    static let envOnly = FieldRule(placeholders: false, inputs: false, hostPaths: false)
    /// `envFile`: a path.
    static let path = FieldRule(placeholders: false, inputs: false)
}

/// Renders config strings for one connection: one left-to-right pass per string, values spliced in and never
/// re-scanned. Collects what the result reports (deferred body fields, blank user variables, warnings).
struct Substituter {
    static let maxValueBytes = 1 << 20

    let context: ResolutionContext
    let tier: TrustTier
    /// Declared `customUserVars` names plus `MCP_API_KEY` when `apiKey.source` is `user`.
    let userVarNames: Set<String>
    let openidUsable: Bool

    private(set) var deferredFields: [String] = []
    private(set) var warnings: [String] = []
    private(set) var missingInputs: [(id: String, path: String)] = []

    init(context: ResolutionContext, tier: TrustTier, userVarNames: Set<String>) {
        self.context = context
        self.tier = tier
        self.userVarNames = userVarNames
        var usable = false
        if let openid = context.openid, openid["accessToken"]?.stringValue?.isEmpty == false || openid["idToken"]?.stringValue?.isEmpty == false {
            usable = true
            if let expiry = openid["expiresAt"]?.int64Value {
                // Milliseconds are accepted too: no seconds timestamp reaches 10^11 before the year 5138.
                let seconds = expiry > 100_000_000_000 ? expiry / 1000 : expiry
                usable = seconds > context.currentTime
            }
        }
        openidUsable = usable
    }

    mutating func warn(_ message: String) {
        if !warnings.contains(message) { warnings.append(message) }
    }

    mutating func render(_ text: String, _ rule: FieldRule, path: String) throws(MCPError) -> String {
        let template = Template(text)
        // Header rules apply to the whole rendered value too, for text that came from the template itself.
        guard template.hasReferences else { return rule.header ? Substituter.headerValue(text) : text }
        var output = ""
        // Template text beyond Latin-1 means the whole value gets `b64:` at the end; encoding the inserted values
        // as well would nest one encoding in the other.
        let encodeEachValue = rule.header && !template.pieces.contains { piece in
            if case .literal(let literal) = piece { literal.unicodeScalars.contains { $0.value > 0xFF } } else { false }
        }
        for piece in template.pieces {
            let inserted: String?
            switch piece {
            case .literal(let literal):
                // Counted too: template text after a large value must not carry the result past the bound.
                output += literal
                try Self.checkLength(output, path: path)
                continue
            case .env(let name, _):
                inserted = envValue(name, path: path)
            case .hostPath(let name, _):
                inserted = try hostPath(name, rule, path: path)
            case .input(let id, _):
                inserted = input(id, rule, path: path)
            case .placeholder(let name, _):
                inserted = rule.placeholders ? placeholder(name, path: path) : nil
            }
            if let inserted {
                output += encodeEachValue ? Substituter.headerValue(inserted) : inserted
            } else {
                if rule.url {
                    throw MCPError.config("\(path) still holds \(piece.raw) after resolution", details: ["path": .string(path), "placeholder": .string(String(piece.raw))])
                }
                output += piece.raw
            }
            try Self.checkLength(output, path: path)
        }
        return rule.header ? Substituter.headerValue(output) : output
    }

    private static func checkLength(_ output: String, path: String) throws(MCPError) {
        guard output.utf8.count <= maxValueBytes else {
            throw MCPError.config("\(path) is longer than \(maxValueBytes) bytes after substitution",
                details: ["path": .string(path), "limit": .int(Int64(maxValueBytes))])
        }
    }

    /// nil keeps the literal `${NAME}` (unset, empty, denylisted, or an untrusted tier).
    private mutating func envValue(_ name: Substring, path: String) -> String? {
        guard tier.isTrusted else { return nil }
        switch context.environment.lookup(name) {
        case .value(let value): return value
        case .unset: return nil
        case .denied:
            warn("\(path): ${\(name)} is denylisted and was not expanded")
            return nil
        }
    }

    private func hostPath(_ name: Substring, _ rule: FieldRule, path: String) throws(MCPError) -> String? {
        guard tier.isTrusted, rule.hostPaths else { return nil }
        guard let value = name == "userHome" ? context.userHome : context.workspaceFolder else {
            throw MCPError.config("\(path) uses ${\(name)} but the host gave no \(name)", details: ["path": .string(path), "variable": .string(String(name))])
        }
        return value
    }

    /// A missing value is collected, not thrown at once, so the host can prompt for every input in one go.
    private mutating func input(_ id: Substring, _ rule: FieldRule, path: String) -> String? {
        guard tier.isTrusted, rule.inputs else { return nil }
        guard let value = context.inputs[String(id)] else {
            if !missingInputs.contains(where: { $0.id == id }) { missingInputs.append((String(id), path)) }
            return ""
        }
        return value
    }

    /// Fails when any `${input:id}` had no value, naming every such id (`details.inputs`).
    func checkInputs() throws(MCPError) {
        guard let first = missingInputs.first else { return }
        let ids = missingInputs.map(\.id)
        throw MCPError.config("\(first.path) uses ${input:\(first.id)} but the host gave no value for input(s) \(ids.joined(separator: ", "))",
            details: ["path": .string(first.path), "input": .string(first.id), "inputs": .array(ids.map { .string($0) })])
    }

    /// nil keeps the literal `{{NAME}}` (an unknown name); a known one without a value becomes "".
    private mutating func placeholder(_ name: Substring, path: String) -> String? {
        if let known = PlaceholderCatalogue.lookup(name) {
            guard tier.isTrusted else {
                warn("\(path): {{\(name)}} is not resolved for \(tier.rawValue)-tier servers and was removed")
                return ""
            }
            return catalogued(known, path: path)
        }
        let variable = String(name)
        guard userVarNames.contains(variable) else {
            // A known name even when this server has no user API key: stripped like the catalogue's names.
            return variable == PlaceholderCatalogue.apiKeyVariable ? "" : nil
        }
        return context.userVars[variable] ?? ""
    }

    private mutating func catalogued(_ placeholder: Placeholder, path: String) -> String {
        switch placeholder.kind {
        case .user:
            let value = context.user[placeholder.field] ?? (placeholder.field == "id" ? context.user["_id"] : nil)
            return placeholderText(value) ?? ""
        case .openid:
            guard openidUsable, let openid = context.openid else {
                warn("\(path): {{\(placeholder.name)}} is empty: no unexpired OpenID login in the context")
                return ""
            }
            return placeholderText(openid[placeholder.field]) ?? ""
        case .graph:
            guard let token = placeholderText(context.graph?[placeholder.field]), !token.isEmpty else {
                warn("\(path): {{\(placeholder.name)}} is empty: no Graph token in the context")
                return ""
            }
            return token
        case .body:
            guard let value = placeholderText(context.body[placeholder.field]), !value.isEmpty else {
                if !deferredFields.contains(placeholder.field) { deferredFields.append(placeholder.field) }
                return ""
            }
            return value
        }
    }

    /// A value inserted into a header: no line breaks or NUL (header injection), and `b64:` when not Latin-1.
    static func headerValue(_ value: String) -> String {
        HeaderValue.latin1OrB64(String(value.unicodeScalars.filter { $0 != "\r" && $0 != "\n" && $0 != "\0" }))
    }
}
