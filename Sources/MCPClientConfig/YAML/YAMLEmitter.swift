public import MCPClientCore

/// Writes a JSON value as block-style YAML, the way a person writes a config file: two-space indentation,
/// `- ` entries under their key, plain scalars where they read back unchanged, quotes where a plain scalar would be
/// misread (`true`, `null`, `~`, numbers, `: `, ` #`, leading indicators, surrounding blanks, empty strings),
/// double quotes with escapes for non-printable characters, and `|` block scalars for multi-line text.
///
/// `YAMLParser.parse(YAMLEmitter.emit(v)).value == v` for every JSON value without duplicate keys (finite numbers; a non-finite double is
/// written as `null`, as `JSONWriter` does) whose nesting is within the parser's depth limit.
public enum YAMLEmitter {
    public static func emit(_ value: JSONValue) -> String {
        var out = ""
        switch value {
        case .object(let object) where !object.isEmpty:
            writeMapping(object, indent: 0, inline: false, into: &out)
        case .array(let items) where !items.isEmpty:
            writeSequence(items, indent: 0, inline: false, into: &out)
        default:
            // A scalar (or empty collection) document; `writeValue` puts its own leading space.
            writeValue(value, indent: 0, into: &out)
            out.unicodeScalars.removeFirst()  // not `removeFirst()`: a leading combining mark joins the space's Character
        }
        return out
    }

    private static let indentation = String(repeating: " ", count: 64)

    private static func spaces(_ count: Int, into out: inout String) {
        var left = count
        while left > 0 {
            let step = min(left, 64)
            out += indentation[..<indentation.utf8.index(indentation.startIndex, offsetBy: step)]
            left -= step
        }
    }

    private static func writeMapping(_ object: JSONObject, indent: Int, inline: Bool, into out: inout String) {
        for (index, entry) in object.entries.enumerated() {
            if index > 0 || !inline { spaces(indent, into: &out) }
            out += key(entry.key)
            out += ":"
            writeValue(entry.value, indent: indent, into: &out)
        }
    }

    private static func writeSequence(_ items: [JSONValue], indent: Int, inline: Bool, into out: inout String) {
        for (index, item) in items.enumerated() {
            if index > 0 || !inline { spaces(indent, into: &out) }
            out += "-"
            switch item {
            case .object(let object) where !object.isEmpty:
                out += " "
                writeMapping(object, indent: indent + 2, inline: true, into: &out)
            case .array(let nested) where !nested.isEmpty:
                out += " "
                writeSequence(nested, indent: indent + 2, inline: true, into: &out)
            default:
                writeValue(item, indent: indent, into: &out)
            }
        }
    }

    /// A value after `key:` or `-` (whose column is `indent`): on the same line after a space, or below.
    private static func writeValue(_ value: JSONValue, indent: Int, into out: inout String) {
        switch value {
        case .object(let object) where !object.isEmpty:
            out += "\n"
            writeMapping(object, indent: indent + 2, inline: false, into: &out)
        case .array(let items) where !items.isEmpty:
            out += "\n"
            writeSequence(items, indent: indent + 2, inline: false, into: &out)
        case .object: out += " {}\n"
        case .array: out += " []\n"
        case .null: out += " null\n"
        case .bool(let bool): out += bool ? " true\n" : " false\n"
        case .int(let int): out += " \(int)\n"
        case .double(let double): out += double.isFinite ? " \(double.description)\n" : " null\n"
        case .string(let text):
            if let header = blockScalarHeader(text) {
                out += " " + header + "\n"
                writeBlockLines(text, indent: indent + 2, into: &out)
            } else {
                out += " " + scalar(text) + "\n"
            }
        }
    }

    // MARK: scalars

    private static func key(_ text: String) -> String {
        text == "<<" ? "'<<'" : scalar(text)
    }

    /// Plain when it reads back as the same string, else single-quoted, else (non-printables) double-quoted.
    static func scalar(_ text: String) -> String {
        if isPlainSafe(text) { return text }
        if text.unicodeScalars.allSatisfy({ $0 == "\t" || isPrintable($0) }) {
            return "'" + text.replacingLiteral("'", with: "''") + "'"
        }
        return doubleQuoted(text)
    }

    static func isPlainSafe(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, let last = text.unicodeScalars.last else { return false }
        guard YAMLCore.plainReadsAsString(text) else { return false }
        if first == " " || first == "\t" || last == " " || last == "\t" || last == ":" { return false }
        if text.hasPrefix("---") || text.hasPrefix("...") { return false }
        switch first {
        case "-", "?", ":":
            let scalars = text.unicodeScalars
            let second = scalars.index(after: scalars.startIndex)
            if second == scalars.endIndex || scalars[second] == " " || scalars[second] == "\t" { return false }
        case ",", "[", "]", "{", "}", "#", "&", "*", "!", "|", ">", "'", "\"", "%", "@", "`":
            return false
        default:
            break
        }
        var previous: Unicode.Scalar = "x"
        for scalar in text.unicodeScalars {
            if scalar != "\t", !isPrintable(scalar) { return false }
            if scalar == "#", previous == " " || previous == "\t" { return false }
            if previous == ":", scalar == " " || scalar == "\t" { return false }
            previous = scalar
        }
        return true
    }

    /// YAML's printable set minus the characters YAML 1.1 readers take as line breaks (NEL, LS, PS) and the BOM.
    static func isPrintable(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        switch v {
        case 0x20...0x7E: return true
        case 0xA0...0xD7FF: return v != 0x2028 && v != 0x2029
        case 0xE000...0xFFFD: return v != 0xFEFF
        case 0x10000...0x10FFFF: return true
        default: return false
        }
    }

    static func doubleQuoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            case "\0": out += "\\0"
            default:
                if isPrintable(scalar) {
                    out.unicodeScalars.append(scalar)
                } else if scalar.value <= 0xFF {
                    out += "\\x" + hex(scalar.value, width: 2)
                } else if scalar.value <= 0xFFFF {
                    out += "\\u" + hex(scalar.value, width: 4)
                } else {
                    out += "\\U" + hex(scalar.value, width: 8)
                }
            }
        }
        return out + "\""
    }

    private static func hex(_ value: UInt32, width: Int) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    // MARK: block scalars

    /// `|`, `|-` or `|+` (plus an indentation indicator when the text starts with a blank) for multi-line text
    /// that a literal block keeps exactly; nil when the text needs quotes instead.
    static func blockScalarHeader(_ text: String) -> String? {
        guard text.unicodeScalars.contains("\n") else { return nil }
        guard text.unicodeScalars.allSatisfy({ $0 == "\n" || $0 == "\t" || isPrintable($0) }) else { return nil }
        // The first line with a non-blank character sets the indentation; blank-only lines before it would confuse
        // the reader's detection, so those texts get quotes.
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard let firstContent = lines.first(where: { $0.unicodeScalars.contains(where: { $0 != " " && $0 != "\t" }) }) else {
            return nil
        }
        for line in lines {
            if line.startIndex == firstContent.startIndex { break }
            if !line.isEmpty { return nil }
        }
        var trailing = 0
        for scalar in text.unicodeScalars.reversed() {
            if scalar != "\n" { break }
            trailing += 1
        }
        let chomping = trailing == 0 ? "-" : trailing == 1 ? "" : "+"
        let lead = firstContent.unicodeScalars.first
        let indicator = lead == " " || lead == "\t" ? "2" : ""
        return "|" + indicator + chomping
    }

    private static func writeBlockLines(_ text: String, indent: Int, into out: inout String) {
        var body = Substring(text)
        var trailing = 0
        while body.hasSuffix("\n") { body.removeLast(); trailing += 1 }
        for line in body.split(separator: "\n", omittingEmptySubsequences: false) {
            if !line.isEmpty {
                spaces(indent, into: &out)
                out += line
            }
            out += "\n"
        }
        if trailing > 1 { out.append(contentsOf: repeatElement("\n" as Character, count: trailing - 1)) }
    }
}
