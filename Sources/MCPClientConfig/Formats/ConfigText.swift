import MCPClientCore

/// Turns a config text into a located document: JSON when it starts with `{` or `[`, YAML otherwise.
enum ConfigText {
    static func parse(_ text: String) -> Result<SourceDocument, DiagnosticError> {
        guard text.utf8.count <= ConfigLoader.maxTextBytes else {
            return .failure(DiagnosticError(Diagnostic(severity: .error, code: "too_large", path: "",
                message: "the config text is \(text.utf8.count) bytes; the limit is \(ConfigLoader.maxTextBytes)")))
        }
        let first = text.utf8.first { !($0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D || $0 == 0xEF || $0 == 0xBB || $0 == 0xBF) }
        guard first == UInt8(ascii: "{") || first == UInt8(ascii: "[") else {
            return parseYAML(text)
        }
        do {
            let value = try JSONParser.parse(text)
            return .success(SourceDocument(value: value, syntax: .json, text: text))
        } catch {
            var diagnostic = Diagnostic(severity: .error, code: "parse_error", path: "", message: "invalid JSON: \(error.message)")
            diagnostic.line = error.line
            diagnostic.column = error.column
            diagnostic.excerpt = SourceDocument(value: .null, syntax: .json, text: text)
                .excerpt(at: SourceLocation(line: error.line, column: error.column, offset: error.offset))
            return .failure(DiagnosticError(diagnostic))
        }
    }

    static func parseYAML(_ text: String) -> Result<SourceDocument, DiagnosticError> {
        .failure(DiagnosticError(Diagnostic(severity: .error, code: "parse_error", path: "", message: "YAML input is not supported by this build")))
    }
}

/// A parse failure carried as a diagnostic.
struct DiagnosticError: Error {
    var diagnostic: Diagnostic
    init(_ diagnostic: Diagnostic) { self.diagnostic = diagnostic }
}
