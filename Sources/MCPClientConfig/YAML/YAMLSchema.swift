import MCPClientCore

/// The tags this parser honours: the YAML 1.2 core schema plus the non-specific `!` (which makes a scalar a string).
enum YAMLTag: Equatable {
    case str, int, float, bool, null, map, seq, nonSpecific
}

enum YAMLScalarStyle { case plain, quoted, block }

/// A node's properties: an anchor and a tag, either order.
struct YAMLProperties {
    var anchor: String?
    var tag: YAMLTag?
    var tagText = ""
    var tagMark: YAMLMark?
    var isEmpty: Bool { anchor == nil && tag == nil }
}

extension YAMLCore {
    @inline(never)
    mutating func parseProperties(flow: Bool) throws(MCPError) -> YAMLProperties {
        var properties = YAMLProperties()
        while true {
            if current == UInt8(ascii: "&") {
                let start = mark
                if properties.anchor != nil { throw error("a node can have only one anchor", at: start) }
                pos += 1
                let name = scanAnchorName()
                if name.isEmpty { throw error("an anchor needs a name after '&'", at: start) }
                properties.anchor = name
            } else if current == UInt8(ascii: "!") {
                let start = mark
                if properties.tag != nil { throw error("a node can have only one tag", at: start) }
                let (tag, text) = try parseTag(flow: flow)
                properties.tag = tag
                properties.tagText = text
                properties.tagMark = start
            } else {
                return properties
            }
            let before = pos
            skipBlanks()
            if pos == before, !atLineEnd, !(flow && Self.isFlowIndicator(current)) {
                throw error("expected whitespace after the anchor or tag")
            }
        }
    }

    @inline(never)
    mutating func parseTag(flow: Bool) throws(MCPError) -> (YAMLTag, String) {
        let start = mark
        pos += 1
        let full: String
        if current == UInt8(ascii: "<") {
            let open = pos + 1
            while !atLineEnd, current != UInt8(ascii: ">") { pos += 1 }
            guard current == UInt8(ascii: ">") else { throw error("unterminated verbatim tag '!<…>'", at: start) }
            full = String(decoding: UnsafeBufferPointer(rebasing: bytes[open..<pos]), as: UTF8.self)
            pos += 1
        } else {
            let textStart = pos
            while !isBlankOrEnd(pos), !(flow && Self.isFlowIndicator(current)) { pos += 1 }
            let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[textStart..<pos]), as: UTF8.self)
            if text.isEmpty {
                full = "!"
            } else {
                var handle = "!"
                var suffix = Substring(text)
                if let bang = text.firstIndex(of: "!") {
                    handle = "!" + text[..<bang] + "!"
                    suffix = text[text.index(after: bang)...]
                }
                let prefix: String
                if let declared = tagHandles[handle] {
                    prefix = declared
                } else if handle == "!!" {
                    prefix = "tag:yaml.org,2002:"
                } else if handle == "!" {
                    prefix = "!"
                } else {
                    throw error("undeclared tag handle '\(handle)' (declare it with %TAG)", at: start)
                }
                full = prefix + suffix
            }
        }
        let written = String(decoding: UnsafeBufferPointer(rebasing: bytes[start.pos..<pos]), as: UTF8.self)
        let core = "tag:yaml.org,2002:"
        if full == "!" { return (.nonSpecific, written) }
        if full.hasPrefix(core) {
            switch full.dropFirst(core.utf8.count) {
            case "str": return (.str, written)
            case "int": return (.int, written)
            case "float": return (.float, written)
            case "bool": return (.bool, written)
            case "null": return (.null, written)
            case "map": return (.map, written)
            case "seq": return (.seq, written)
            default: break
            }
        }
        throw error("unsupported tag '\(written)'; only !!str, !!int, !!float, !!bool, !!null, !!map, !!seq and '!' are supported",
            at: start, details: ["tag": .string(written)])
    }

    /// A scalar's value under its tag (or, untagged and plain, under the core schema).
    @inline(never)
    func scalarValue(_ text: String, style: YAMLScalarStyle, tag: YAMLTag?, tagText: String, at mark: YAMLMark) throws(MCPError) -> JSONValue {
        switch tag {
        case nil:
            return style == .plain ? try resolvePlain(text, at: mark) : .string(text)
        case .str?, .nonSpecific?:
            return .string(text)
        case .null?:
            if text.isEmpty || Self.isNull(text) { return .null }
        case .bool?:
            if let bool = Self.bool(text) { return .bool(bool) }
        case .int?:
            if let int = try integer(text, at: mark) { return int }
        case .float?:
            if let int = try integer(text, at: mark), let double = int.doubleValue { return .double(double) }
            if let double = try float(text, at: mark) { return .double(double) }
        case .map?:
            if text.isEmpty, style == .plain { return .object(JSONObject()) }
            throw error("the tag \(tagText) needs a mapping, not a scalar", at: mark)
        case .seq?:
            if text.isEmpty, style == .plain { return .array([]) }
            throw error("the tag \(tagText) needs a sequence, not a scalar", at: mark)
        }
        throw error("'\(text)' is not a valid \(tagText) value", at: mark, details: ["tag": .string(tagText)])
    }

    /// Checks a collection against its tag.
    @inline(never)
    func checkCollectionTag(_ properties: YAMLProperties, isMapping: Bool) throws(MCPError) {
        guard let tag = properties.tag, tag != .nonSpecific else { return }
        if isMapping, tag == .map { return }
        if !isMapping, tag == .seq { return }
        throw error("the tag \(properties.tagText) does not fit a \(isMapping ? "mapping" : "sequence")", at: properties.tagMark ?? mark)
    }

    /// The core schema: null, booleans, integers (decimal, 0x, 0o), floats; anything else is a string.
    @inline(never)
    func resolvePlain(_ text: String, at mark: YAMLMark) throws(MCPError) -> JSONValue {
        guard let first = text.utf8.first else { return .null }
        switch first {
        case UInt8(ascii: "~"), UInt8(ascii: "n"), UInt8(ascii: "N"):
            if Self.isNull(text) { return .null }
        case UInt8(ascii: "t"), UInt8(ascii: "T"), UInt8(ascii: "f"), UInt8(ascii: "F"):
            if let bool = Self.bool(text) { return .bool(bool) }
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."):
            if let int = try integer(text, at: mark) { return int }
            if let double = try float(text, at: mark) { return .double(double) }
        default:
            break
        }
        return .string(text)
    }

    static func isNull(_ text: String) -> Bool { text == "~" || text == "null" || text == "Null" || text == "NULL" }

    static func bool(_ text: String) -> Bool? {
        switch text {
        case "true", "True", "TRUE": true
        case "false", "False", "FALSE": false
        default: nil
        }
    }

    /// `[-+]?[0-9]+` (beyond Int64: a double, like the JSON reader), `0x[0-9a-fA-F]+`, `0o[0-7]+` (beyond Int64: an
    /// error, since these are usually bit patterns). nil when the text is not an integer.
    func integer(_ text: String, at mark: YAMLMark) throws(MCPError) -> JSONValue? {
        switch Self.scanNumber(text) {
        case .int(let int): return .int(int)
        case .double(let double, isInteger: true): return .double(double)
        case .outOfRange(isInteger: true): throw error("the integer \(text) does not fit in 64 bits", at: mark)
        default: return nil
        }
    }

    /// `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`; `.inf` and `.nan` are recognised and refused.
    func float(_ text: String, at mark: YAMLMark) throws(MCPError) -> Double? {
        switch Self.scanNumber(text) {
        case .double(let double, isInteger: false): return double
        case .notFinite: throw error("\(text) (infinity or NaN) cannot be represented in JSON; quote it if you mean the text", at: mark)
        case .outOfRange(isInteger: false): throw error("\(text) is too large for a 64-bit float; quote it if you mean the text", at: mark)
        default: return nil
        }
    }

    enum NumberScan: Equatable {
        case notNumber
        case int(Int64)
        case double(Double, isInteger: Bool)
        case notFinite
        case outOfRange(isInteger: Bool)
    }

    /// What the core schema makes of a plain number-like text (pure, so the emitter can ask too).
    static func scanNumber(_ text: String) -> NumberScan {
        let utf8 = Array(text.utf8)
        guard !utf8.isEmpty else { return .notNumber }
        func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }
        if utf8.count > 2, utf8[0] == UInt8(ascii: "0"), utf8[1] == UInt8(ascii: "x") || utf8[1] == UInt8(ascii: "o") {
            let radix: UInt64 = utf8[1] == UInt8(ascii: "x") ? 16 : 8
            var value: UInt64 = 0
            var overflow = false
            for b in utf8[2...] {
                let digit: UInt64
                switch b {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt64(b - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f") where radix == 16: digit = UInt64(b - UInt8(ascii: "a") + 10)
                case UInt8(ascii: "A")...UInt8(ascii: "F") where radix == 16: digit = UInt64(b - UInt8(ascii: "A") + 10)
                default: return .notNumber
                }
                guard digit < radix else { return .notNumber }
                let (times, o1) = value.multipliedReportingOverflow(by: radix)
                let (sum, o2) = times.addingReportingOverflow(digit)
                overflow = overflow || o1 || o2 || sum > UInt64(Int64.max)
                value = sum
            }
            return overflow ? .outOfRange(isInteger: true) : .int(Int64(value))
        }
        var index = 0
        var negative = false
        if utf8[0] == UInt8(ascii: "-") || utf8[0] == UInt8(ascii: "+") {
            negative = utf8[0] == UInt8(ascii: "-")
            index = 1
        }
        let special = String(decoding: utf8[index...], as: UTF8.self)
        if special == ".inf" || special == ".Inf" || special == ".INF" { return .notFinite }
        if index == 0, special == ".nan" || special == ".NaN" || special == ".NAN" { return .notFinite }
        // Decimal integer?
        var magnitude: UInt64 = 0
        var overflow = false
        var digits = 0
        var cursor = index
        while cursor < utf8.count, isDigit(utf8[cursor]) {
            let (times, o1) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times.addingReportingOverflow(UInt64(utf8[cursor] - UInt8(ascii: "0")))
            overflow = overflow || o1 || o2
            magnitude = sum
            cursor += 1
            digits += 1
        }
        if digits > 0, cursor == utf8.count {
            if !overflow {
                if negative, magnitude <= UInt64(Int64.max) + 1 {
                    return .int(magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude))
                }
                if !negative, magnitude <= UInt64(Int64.max) { return .int(Int64(magnitude)) }
            }
            guard let double = Double(text), double.isFinite else { return .outOfRange(isInteger: true) }
            return .double(double, isInteger: true)
        }
        // Float.
        if cursor < utf8.count, utf8[cursor] == UInt8(ascii: ".") {
            cursor += 1
            while cursor < utf8.count, isDigit(utf8[cursor]) { cursor += 1; digits += 1 }
        }
        guard digits > 0 else { return .notNumber }
        if cursor < utf8.count, utf8[cursor] == UInt8(ascii: "e") || utf8[cursor] == UInt8(ascii: "E") {
            cursor += 1
            if cursor < utf8.count, utf8[cursor] == UInt8(ascii: "-") || utf8[cursor] == UInt8(ascii: "+") { cursor += 1 }
            var exponentDigits = 0
            while cursor < utf8.count, isDigit(utf8[cursor]) { cursor += 1; exponentDigits += 1 }
            guard exponentDigits > 0 else { return .notNumber }
        }
        guard cursor == utf8.count else { return .notNumber }
        guard let double = Double(text) ?? Double(text + "0") else { return .notNumber }
        guard double.isFinite else { return .outOfRange(isInteger: false) }
        return .double(double, isInteger: false)
    }

    /// Whether a plain scalar with this text reads back as this very string under the core schema.
    static func plainReadsAsString(_ text: String) -> Bool {
        guard !text.isEmpty else { return false }
        if isNull(text) || bool(text) != nil { return false }
        return scanNumber(text) == .notNumber
    }

    /// The text a scalar key stands for in JSON output: strings as they are, other scalars in canonical form.
    static func keyText(_ value: JSONValue) -> String? {
        switch value {
        case .string(let text): text
        case .null: "null"
        case .bool(let bool): bool ? "true" : "false"
        case .int(let int): String(int)
        case .double(let double): double.description
        case .array, .object: nil
        }
    }
}
