#if canImport(Glibc)
import Glibc
#endif
public import MCPClientCore

/// A dotenv file (`envFile`, VS Code / Cursor): `KEY=VALUE` lines, optional `export `, `#` comments, single quotes
/// (literal) and double quotes (`\n`, `\r`, `\t`, `\"`, `\\` escapes; may span lines). No `${…}` expansion inside:
/// file contents are values, never templates. Errors name the file and line, never the text of a value.
public enum DotEnv {
    public static let maxBytes = 256 * 1024
    public static let maxEntries = 10_000

    public static func parse(_ text: String, file: String) throws(MCPError) -> [(key: String, value: String)] {
        var entries: [(key: String, value: String)] = []
        // "\r\n" is one Character in Swift, so it is a separator of its own.
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
        var lineIndex = 0
        while lineIndex < lines.count {
            let lineNumber = lineIndex + 1
            var line = trimmed(stripCR(lines[lineIndex]))
            lineIndex += 1
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("export "), line.dropFirst(7).contains(where: { $0 == "=" }) {
                line = trimmed(line.dropFirst(7))
            }
            guard let equals = line.firstIndex(of: "=") else {
                throw failure(file, lineNumber, "expected KEY=VALUE")
            }
            let key = trimmed(line[..<equals])
            guard isKey(key) else { throw failure(file, lineNumber, "invalid variable name (use letters, digits, '_', '.' or '-')") }
            var rest = trimmedLeading(line[line.index(after: equals)...])
            let value: String
            if let quote = rest.first, quote == "\"" || quote == "'" {
                // A quoted value may continue on the following lines until its closing quote.
                var body = String(rest.dropFirst())
                // Each search resumes where the last one stopped, so a quote that never closes costs linear time.
                var scanned = 0
                var closing = closingQuote(in: body, quote: quote, from: &scanned)
                while closing == nil, lineIndex < lines.count {
                    body += "\n" + stripCR(lines[lineIndex])
                    lineIndex += 1
                    closing = closingQuote(in: body, quote: quote, from: &scanned)
                }
                guard let closing else { throw failure(file, lineNumber, "unterminated \(quote == "\"" ? "double" : "single") quote") }
                let inner = body[..<closing]
                value = quote == "\"" ? unescape(inner) : String(inner)
                rest = trimmedLeading(body[body.index(after: closing)...])
                guard rest.isEmpty || rest.hasPrefix("#") else {
                    throw failure(file, lineIndex, "unexpected text after the closing quote")
                }
            } else {
                value = String(trimmed(uncommented(rest)))
            }
            guard entries.count < maxEntries else { throw failure(file, lineNumber, "more than \(maxEntries) entries") }
            entries.append((String(key), value))
        }
        return entries
    }

    /// Reads and parses `path`, capped at `maxBytes`.
    public static func load(path: String) throws(MCPError) -> [(key: String, value: String)] {
        try parse(try readText(path: path), file: path)
    }

    static func readText(path: String) throws(MCPError) -> String {
        let details: JSONObject = ["path": "envFile", "file": .string(path)]
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw MCPError.config("cannot read envFile \(path): \(String(cString: strerror(errno)))", details: details)
        }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw MCPError.config("cannot read envFile \(path): \(String(cString: strerror(errno)))", details: details)
            }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
            guard bytes.count <= maxBytes else {
                throw MCPError.config("envFile \(path) is larger than \(maxBytes) bytes", details: details)
            }
        }
        guard !bytes.contains(0), let text = String(validating: bytes, as: UTF8.self) else {
            throw MCPError.config("envFile \(path) is not UTF-8 text", details: details)
        }
        return text
    }

    private static func failure(_ file: String, _ line: Int, _ message: String) -> MCPError {
        MCPError.config("\(file):\(line): \(message)", details: ["path": "envFile", "file": .string(file), "line": .int(Int64(line))])
    }

    private static func isKey(_ key: Substring) -> Bool {
        guard let first = key.utf8.first, !(first >= 0x30 && first <= 0x39), first != 0x2E, first != 0x2D else { return false }
        return Template.isPlaceholderName(key)
    }

    private static func stripCR(_ line: Substring) -> Substring { line.hasSuffix("\r") ? line.dropLast() : line }

    private static func isBlank(_ character: Character) -> Bool { character == " " || character == "\t" }

    private static func trimmedLeading(_ text: Substring) -> Substring { text.drop(while: isBlank) }

    private static func trimmed(_ text: Substring) -> Substring {
        var result = text.drop(while: isBlank)
        while let last = result.last, isBlank(last) { result = result.dropLast() }
        return result
    }

    /// An unquoted value ends at ` #` (a `#` inside a word, as in URLs with fragments, stays).
    private static func uncommented(_ text: Substring) -> Substring {
        if text.hasPrefix("#") { return text[text.startIndex..<text.startIndex] }
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(after: index)
            if isBlank(text[index]), next < text.endIndex, text[next] == "#" { return text[..<index] }
            index = next
        }
        return text
    }

    /// The closing quote at or after UTF-8 offset `start`; otherwise `start` moves to where the next search resumes
    /// (a trailing backslash is looked at again, with the text that follows it). Quotes and `\\` are ASCII, so
    /// bytes are compared directly.
    private static func closingQuote(in body: String, quote: Character, from start: inout Int) -> String.Index? {
        let utf8 = body.utf8
        let quoteByte: UInt8 = quote == "\"" ? 0x22 : 0x27
        var index = utf8.index(utf8.startIndex, offsetBy: start)
        while index < utf8.endIndex {
            let byte = utf8[index]
            if quoteByte == 0x22, byte == 0x5C {
                let next = utf8.index(after: index)
                guard next < utf8.endIndex else { break }
                index = utf8.index(after: next)
                continue
            }
            if byte == quoteByte { return index }
            index = utf8.index(after: index)
        }
        start = utf8.distance(from: utf8.startIndex, to: index)
        return nil
    }

    private static func unescape(_ text: Substring) -> String {
        var output = ""
        var escaped = false
        for character in text {
            if escaped {
                switch character {
                case "n": output.append("\n")
                case "r": output.append("\r")
                case "t": output.append("\t")
                default: output.append(character)
                }
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else {
                output.append(character)
            }
        }
        if escaped { output.append("\\") }
        return output
    }
}
