import MCPClientCore

/// Turns a config text into a located document: JSON when it starts with `{` or `[`, YAML otherwise.
enum ConfigText {
    static func parse(_ text: String) -> Result<SourceDocument, DiagnosticError> {
        // Windows editors start files with a byte order mark; JSON does not allow one.
        if text.unicodeScalars.first == "\u{FEFF}" { return parse(String(text.unicodeScalars.dropFirst())) }
        guard text.utf8.count <= ConfigLoader.maxTextBytes else {
            return .failure(DiagnosticError(Diagnostic(severity: .error, code: "too_large", path: "",
                message: "the config text is \(text.utf8.count) bytes; the limit is \(ConfigLoader.maxTextBytes)")))
        }
        let first = text.utf8.first { !($0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D) }
        guard first == UInt8(ascii: "{") || first == UInt8(ascii: "[") else {
            return parseYAML(text)
        }
        // VS Code and Cursor files are JSONC: comments and trailing commas are blanked out, keeping every position.
        let plain = stripJSONC(text)
        do {
            var document = try SourceDocument.parseJSON(plain)
            if plain != text { document.lines = text.split(separator: "\n", omittingEmptySubsequences: false) }
            return .success(document)
        } catch {
            // The JSON parser reports no path; the keys still open at the error tell whether its line sits under
            // `env` or `headers`, where a value may be a secret with nothing on the line saying so.
            let line = error.details["line"]?.int64Value ?? 0
            let column = error.details["column"]?.int64Value ?? 0
            return .failure(DiagnosticError(diagnostic(error, syntax: "JSON", within: openKeys(plain, line: Int(line), column: Int(column)))))
        }
    }

    /// The keys of the JSON objects and arrays still open at (`line`, `column`), dotted ("mcpServers.gh.env"): a
    /// structural scan of the text before that point (strings and their escapes, brackets, `:` and `,`).
    static func openKeys(_ text: String, line: Int, column: Int) -> String {
        var open: [String] = []
        var string: [UInt8] = []
        var lastString: [UInt8]?
        var pendingKey: [UInt8]?
        var inString = false
        var escaped = false
        var currentLine = 1
        var currentColumn = 1
        for byte in text.utf8 {
            if currentLine > line || (currentLine == line && currentColumn >= column) { break }
            if byte == 0x0A { currentLine += 1; currentColumn = 1 } else { currentColumn += 1 }
            if inString {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") {
                    inString = false
                    lastString = string
                } else if string.count < 256 { string.append(byte) }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true; string = []
            case UInt8(ascii: ":"): pendingKey = lastString
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                open.append(pendingKey.map { String(decoding: $0, as: UTF8.self) } ?? "")
                pendingKey = nil
            case UInt8(ascii: "}"), UInt8(ascii: "]"): if !open.isEmpty { open.removeLast() }
            case UInt8(ascii: ","): pendingKey = nil
            default: break
            }
        }
        return open.filter { !$0.isEmpty }.joined(separator: ".")
    }

    /// `within`: the keys open at the error when the parser names no path (JSON), for the secret check only.
    private static func diagnostic(_ error: MCPError, syntax: String, within: String? = nil) -> Diagnostic {
        var diagnostic = Diagnostic(severity: .error, code: "parse_error", path: error.details["path"]?.stringValue ?? "",
            message: error.message.hasPrefix(syntax) ? error.message : "invalid \(syntax): \(error.message)")
        diagnostic.line = error.details["line"]?.int64Value.map { Int($0) }
        diagnostic.column = error.details["column"]?.int64Value.map { Int($0) }
        // A syntax error quotes its line, which may hold a token next to the mistake.
        if let excerpt = error.details["excerpt"]?.stringValue, !DiagnosticSink.mayHoldSecret(line: excerpt, path: within ?? diagnostic.path) {
            diagnostic.excerpt = excerpt
        }
        return diagnostic
    }

    /// JSONC → JSON of the same length and line structure: `//` and `/* */` comments and trailing commas become spaces.
    static func stripJSONC(_ text: String) -> String {
        var bytes = Array(text.utf8)
        var index = 0
        var inString = false
        var lastSignificant: Int?
        var changed = false
        while index < bytes.count {
            let byte = bytes[index]
            if inString {
                if byte == UInt8(ascii: "\\") { index += 2; continue }
                if byte == UInt8(ascii: "\"") { inString = false; lastSignificant = index }
                index += 1
                continue
            }
            if byte == UInt8(ascii: "/"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "/") || bytes[index + 1] == UInt8(ascii: "*") {
                let block = bytes[index + 1] == UInt8(ascii: "*")
                var end = index + 2
                while end < bytes.count {
                    if !block, bytes[end] == 0x0A { break }
                    if block, bytes[end] == UInt8(ascii: "*"), end + 1 < bytes.count, bytes[end + 1] == UInt8(ascii: "/") { end += 2; break }
                    end += 1
                }
                for blank in index..<min(end, bytes.count) where bytes[blank] != 0x0A { bytes[blank] = 0x20 }
                changed = true
                index = end
                continue
            }
            if byte == UInt8(ascii: "}") || byte == UInt8(ascii: "]"), let last = lastSignificant, bytes[last] == UInt8(ascii: ",") {
                bytes[last] = 0x20
                changed = true
            }
            if byte == UInt8(ascii: "\"") { inString = true }
            if !(byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D) { lastSignificant = index }
            index += 1
        }
        return changed ? String(decoding: bytes, as: UTF8.self) : text
    }

    static func parseYAML(_ text: String) -> Result<SourceDocument, DiagnosticError> {
        do {
            return .success(try YAMLParser.parse(text))
        } catch {
            return .failure(DiagnosticError(diagnostic(error, syntax: "YAML")))
        }
    }
}

/// A parse failure carried as a diagnostic.
struct DiagnosticError: Error {
    var diagnostic: Diagnostic
    init(_ diagnostic: Diagnostic) { self.diagnostic = diagnostic }
}
