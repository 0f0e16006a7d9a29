public import MCPClientCore

/// One problem found in a config text: where it is (key path and line:column), what is wrong, and what to write
/// instead when we can guess.
public struct Diagnostic: Sendable, Equatable {
    public enum Severity: String, Sendable { case error, warning }

    public var severity: Severity
    /// A stable identifier hosts can match on: `unknown_key`, `invalid_type`, `invalid_url_scheme`, …
    public var code: String
    /// The key path in the text the user wrote, e.g. `mcpServers.github.oauth.client_secret`.
    public var path: String
    public var message: String
    public var line: Int?
    public var column: Int?
    public var excerpt: String?
    public var suggestion: String?
    public var server: String?

    public init(severity: Severity, code: String, path: String, message: String) {
        self.severity = severity
        self.code = code
        self.path = path
        self.message = message
    }

    public var json: JSONValue {
        var object: JSONObject = ["severity": .string(severity.rawValue), "code": .string(code), "path": .string(path)]
        if let line { object["line"] = .int(Int64(line)) }
        if let column { object["column"] = .int(Int64(column)) }
        object["message"] = .string(message)
        if let suggestion { object["suggestion"] = .string(suggestion) }
        if let server { object["server"] = .string(server) }
        if let excerpt { object["excerpt"] = .string(excerpt) }
        return .object(object)
    }
}

/// Collects every problem of one load (validation never stops at the first), locating each in the source text.
struct DiagnosticSink {
    let document: SourceDocument
    /// Unknown keys become errors.
    let strict: Bool
    private(set) var items: [Diagnostic] = []
    /// A hostile config cannot grow the report without bound.
    static let limit = 500

    init(document: SourceDocument, strict: Bool) {
        self.document = document
        self.strict = strict
    }

    var errorCount: Int { items.reduce(0) { $0 + ($1.severity == .error ? 1 : 0) } }
    /// Once the report is full, callers skip work whose only result would be another diagnostic.
    var isFull: Bool { items.count >= Self.limit }

    mutating func add(_ severity: Diagnostic.Severity, _ code: String, _ path: ConfigPath, _ message: String,
                      suggestion: String? = nil, server: String? = nil) {
        guard items.count < Self.limit else { return }
        var diagnostic = Diagnostic(severity: severity, code: code, path: path.description, message: message)
        if let location = document.location(of: path) {
            diagnostic.line = location.line
            diagnostic.column = location.column
            if !DiagnosticSink.mayHoldSecret(path) { diagnostic.excerpt = document.excerpt(at: location) }
        }
        diagnostic.suggestion = suggestion
        diagnostic.server = server
        items.append(diagnostic)
        if items.count == Self.limit {
            items.append(Diagnostic(severity: .error, code: "too_many_problems", path: "", message: "more than \(Self.limit) problems; the rest are not listed"))
        }
    }

    /// Blocks whose values are credentials or host secrets.
    static let secretBlocks: Set<String> = ["env", "headers", "oauthheaders", "apikey", "auth"]
    static let secretWords = ["secret", "password", "passwd", "token", "credential", "authorization", "apikey", "privatekey"]

    /// An excerpt quotes the source line, value included: none for a key that holds (or is spelled like) a secret,
    /// such as a misspelled `clientSecret` or anything under `env` or `headers`.
    static func mayHoldSecret(_ path: ConfigPath) -> Bool {
        path.components.contains { component in
            guard case .key(let key) = component else { return false }
            return isSecretKey(key)
        }
    }

    /// The same test for a source line quoted by a syntax error, and its dotted path: the line is only known as text.
    static func mayHoldSecret(line: String, path: String) -> Bool {
        let folded = fold(line)
        return secretWords.contains { folded.containsLiteral($0) } || path.split(separator: ".").contains { isSecretKey(String($0)) }
    }

    private static func fold(_ text: String) -> String { String(text.lowercased().filter { $0 != "_" && $0 != "-" }) }

    private static func isSecretKey(_ key: String) -> Bool {
        let folded = fold(key)
        return secretBlocks.contains(folded) || secretWords.contains { folded.containsLiteral($0) }
    }

    mutating func error(_ code: String, _ path: ConfigPath, _ message: String, suggestion: String? = nil, server: String? = nil) {
        add(.error, code, path, message, suggestion: suggestion, server: server)
    }

    mutating func warning(_ code: String, _ path: ConfigPath, _ message: String, suggestion: String? = nil, server: String? = nil) {
        add(.warning, code, path, message, suggestion: suggestion, server: server)
    }

    /// A key nobody defines at this position: a warning (an error in strict mode), with a "did you mean".
    /// `kept`: the value is preserved under the server's `unknown` (top-level and settings keys are not).
    mutating func unknownKey(_ key: String, at path: ConfigPath, known: [String], context: String, server: String?, kept: Bool = true) {
        guard !isFull else { return }
        let guess = KeySuggestion.suggest(for: key, among: known)
        var message = "unknown key '\(key)' in \(context)"
        if let guess { message += "; did you mean '\(guess)'?" }
        message += strict ? "" : kept ? " (kept, but not used)" : " (ignored)"
        add(strict ? .error : .warning, "unknown_key", path, message, suggestion: guess, server: server)
    }
}
