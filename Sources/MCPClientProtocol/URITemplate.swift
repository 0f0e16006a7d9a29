public import MCPClientCore

/// An RFC 6570 URI Template (level 4), as MCP resource templates use. Parsed once, strictly: a malformed template
/// is rejected with the offset (in code points) of the problem rather than expanded into a surprising URI.
public struct URITemplate: Sendable, Equatable {
    /// Longest template accepted (UTF-8 bytes).
    public static let maxTemplateLength = 64 * 1024
    /// Longest expansion produced (bytes; expansions are always ASCII). `expand` truncates there,
    /// `expandChecked` throws instead.
    public static let maxExpansionLength = 1024 * 1024

    public let template: String
    let parts: [Part]

    enum Part: Sendable, Equatable {
        case literal(String)
        case expression(Operator, [VariableSpec])
    }

    struct VariableSpec: Sendable, Equatable {
        let name: String
        let prefix: Int?
        let explode: Bool
    }

    /// The RFC 6570 appendix A table, one row per operator.
    struct Operator: Sendable, Equatable {
        let first: String
        let separator: String
        let named: Bool
        let ifEmpty: String
        let allowsReserved: Bool

        static func forCharacter(_ character: Unicode.Scalar?) -> Operator? {
            switch character {
            case nil: Operator(first: "", separator: ",", named: false, ifEmpty: "", allowsReserved: false)
            case "+": Operator(first: "", separator: ",", named: false, ifEmpty: "", allowsReserved: true)
            case "#": Operator(first: "#", separator: ",", named: false, ifEmpty: "", allowsReserved: true)
            case ".": Operator(first: ".", separator: ".", named: false, ifEmpty: "", allowsReserved: false)
            case "/": Operator(first: "/", separator: "/", named: false, ifEmpty: "", allowsReserved: false)
            case ";": Operator(first: ";", separator: ";", named: true, ifEmpty: "", allowsReserved: false)
            case "?": Operator(first: "?", separator: "&", named: true, ifEmpty: "=", allowsReserved: false)
            case "&": Operator(first: "&", separator: "&", named: true, ifEmpty: "=", allowsReserved: false)
            default: nil
            }
        }
    }

    public init(_ template: String) throws(MCPError) {
        guard template.utf8.count <= Self.maxTemplateLength else {
            throw Self.error("the template is longer than \(Self.maxTemplateLength) bytes", at: 0, template)
        }
        self.template = template
        var parser = URITemplateParser(template)
        parts = try parser.parse()
    }

    /// Every variable the template mentions, in order of first appearance.
    public var variableNames: [String] {
        var seen: Set<String> = []
        var names: [String] = []
        for case .expression(_, let specs) in parts {
            for spec in specs where seen.insert(spec.name).inserted { names.append(spec.name) }
        }
        return names
    }

    /// The expanded URI. Strings, numbers and booleans are values; arrays are lists; objects are associative
    /// arrays; null, missing, empty lists and empty objects are undefined (skipped). Output past
    /// `maxExpansionLength` is cut off (never inside a percent-encoded triplet).
    public func expand(_ variables: JSONObject) -> String {
        var output = ExpansionOutput(limit: Self.maxExpansionLength)
        expand(variables, into: &output)
        return output.string
    }

    /// Like `expand`, but an expansion longer than `maxExpansionLength` is an error instead of a truncation.
    public func expandChecked(_ variables: JSONObject) throws(MCPError) -> String {
        var output = ExpansionOutput(limit: Self.maxExpansionLength)
        expand(variables, into: &output)
        guard !output.truncated else {
            throw MCPError.invalid("the URI template expands to more than \(Self.maxExpansionLength) bytes",
                                   details: ["template": .string(template), "limit": .int(Int64(Self.maxExpansionLength))])
        }
        return output.string
    }

    static func error(_ message: String, at offset: Int, _ template: String) -> MCPError {
        MCPError.invalid("invalid URI template: \(message) at offset \(offset)",
                         details: ["offset": .int(Int64(offset)), "template": .string(String(template.prefix(1024)))])
    }
}

/// The expansion buffer: ASCII bytes up to a limit, appended in whole units so truncation never splits "%XX".
struct ExpansionOutput {
    let limit: Int
    var bytes: [UInt8] = []
    var truncated = false

    init(limit: Int) { self.limit = limit }

    mutating func append(_ unit: some Collection<UInt8>) {
        guard !truncated else { return }
        if bytes.count + unit.count > limit { truncated = true; return }
        bytes.append(contentsOf: unit)
    }

    mutating func append(_ text: String) { append(text.utf8) }

    var string: String { String(decoding: bytes, as: UTF8.self) }
}

extension URITemplate {
    func expand(_ variables: JSONObject, into output: inout ExpansionOutput) {
        for part in parts {
            guard !output.truncated else { return }
            switch part {
            case .literal(let text): Self.encode(text, allowReserved: true, into: &output)
            case .expression(let op, let specs): expand(op, specs, variables, into: &output)
            }
        }
    }

    /// RFC 6570 appendix A, "expand an expression".
    func expand(_ op: Operator, _ specs: [VariableSpec], _ variables: JSONObject, into output: inout ExpansionOutput) {
        var first = true
        for spec in specs {
            guard let value = variables[spec.name], let defined = Self.defined(value) else { continue }
            output.append(first ? op.first : op.separator)
            first = false
            switch defined {
            case .scalar(let text):
                if op.named {
                    Self.encode(spec.name, allowReserved: true, into: &output)
                    output.append(text.isEmpty ? op.ifEmpty : "=")
                }
                let shown = spec.prefix.map { Self.prefix(text, $0, allowReserved: op.allowsReserved) } ?? text
                Self.encode(shown, allowReserved: op.allowsReserved, into: &output)
            case .list(let items):
                // A prefix does not apply to composite values (RFC 6570 §2.4.1); it is ignored.
                if spec.explode {
                    for (index, item) in items.enumerated() {
                        if index > 0 { output.append(op.separator) }
                        if op.named {
                            Self.encode(spec.name, allowReserved: true, into: &output)
                            output.append(item.isEmpty ? op.ifEmpty : "=")
                        }
                        Self.encode(item, allowReserved: op.allowsReserved, into: &output)
                    }
                } else {
                    if op.named { Self.encode(spec.name, allowReserved: true, into: &output); output.append("=") }
                    for (index, item) in items.enumerated() {
                        if index > 0 { output.append(",") }
                        Self.encode(item, allowReserved: op.allowsReserved, into: &output)
                    }
                }
            case .pairs(let pairs):
                if spec.explode {
                    for (index, pair) in pairs.enumerated() {
                        if index > 0 { output.append(op.separator) }
                        Self.encode(pair.key, allowReserved: op.allowsReserved, into: &output)
                        output.append(op.named && pair.value.isEmpty ? op.ifEmpty : "=")
                        Self.encode(pair.value, allowReserved: op.allowsReserved, into: &output)
                    }
                } else {
                    if op.named { Self.encode(spec.name, allowReserved: true, into: &output); output.append("=") }
                    for (index, pair) in pairs.enumerated() {
                        if index > 0 { output.append(",") }
                        Self.encode(pair.key, allowReserved: op.allowsReserved, into: &output)
                        output.append(",")
                        Self.encode(pair.value, allowReserved: op.allowsReserved, into: &output)
                    }
                }
            }
        }
    }

    enum DefinedValue {
        case scalar(String)
        case list([String])
        case pairs([(key: String, value: String)])
    }

    /// The value as RFC 6570 sees it, or nil when it counts as undefined.
    static func defined(_ value: JSONValue) -> DefinedValue? {
        switch value {
        case .null: return nil
        case .array(let array):
            let items = array.compactMap(scalarText)
            return items.isEmpty ? nil : .list(items)
        case .object(let object):
            let pairs = object.compactMap { entry in scalarText(entry.value).map { (key: entry.key, value: $0) } }
            return pairs.isEmpty ? nil : .pairs(pairs)
        default: return scalarText(value).map { .scalar($0) }
        }
    }

    /// Text for a value inside a list or pair; nested composites are written as JSON text.
    static func scalarText(_ value: JSONValue) -> String? {
        switch value {
        case .null: nil
        case .string(let text): text
        case .bool(let flag): flag ? "true" : "false"
        case .int(let integer): String(integer)
        case .double(let number): number.rounded() == number && abs(number) < 9e15 ? String(Int64(number)) : value.jsonString
        case .array, .object: value.jsonString
        }
    }

    /// The first `length` code points; with reserved expansion an existing "%XX" counts as one and is never split.
    static func prefix(_ text: String, _ length: Int, allowReserved: Bool) -> String {
        let scalars = Array(text.unicodeScalars)
        var end = 0
        var counted = 0
        while end < scalars.count && counted < length {
            if allowReserved, isTriplet(scalars, at: end) { end += 3 } else { end += 1 }
            counted += 1
        }
        var result = ""
        result.unicodeScalars.append(contentsOf: scalars[..<end])
        return result
    }

    static func isTriplet(_ scalars: [Unicode.Scalar], at index: Int) -> Bool {
        scalars[index] == "%" && index + 2 < scalars.count && isHex(scalars[index + 1]) && isHex(scalars[index + 2])
    }

    static func isHex(_ scalar: Unicode.Scalar) -> Bool {
        scalar.isASCII && SchemaURI.hexValue(UInt8(scalar.value)) != nil
    }

    static let unreserved = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~".utf8)
    static let reserved = Set(":/?#[]@!$&'()*+,;=".utf8)
    static let hexDigits = Array("0123456789ABCDEF".utf8)

    /// UTF-8 percent-encoding of everything outside unreserved (plus reserved and existing "%XX" when allowed).
    static func encode(_ text: String, allowReserved: Bool, into output: inout ExpansionOutput) {
        let bytes = Array(text.utf8)
        var index = 0
        while index < bytes.count && !output.truncated {
            let byte = bytes[index]
            if unreserved.contains(byte) || (allowReserved && reserved.contains(byte)) {
                output.append(CollectionOfOne(byte))
                index += 1
            } else if allowReserved, byte == UInt8(ascii: "%"), index + 2 < bytes.count,
                      SchemaURI.hexValue(bytes[index + 1]) != nil, SchemaURI.hexValue(bytes[index + 2]) != nil {
                output.append(bytes[index...(index + 2)])
                index += 3
            } else {
                output.append([UInt8(ascii: "%"), hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0x0F)]])
                index += 1
            }
        }
    }
}

/// The template grammar of RFC 6570 §2, over code points so error offsets match what a person counts.
struct URITemplateParser {
    let template: String
    let scalars: [Unicode.Scalar]
    var index = 0

    init(_ template: String) {
        self.template = template
        scalars = Array(template.unicodeScalars)
    }

    func error(_ message: String, at offset: Int) -> MCPError { URITemplate.error(message, at: offset, template) }

    mutating func parse() throws(MCPError) -> [URITemplate.Part] {
        var parts: [URITemplate.Part] = []
        var literal = ""
        while index < scalars.count {
            let scalar = scalars[index]
            switch scalar {
            case "{":
                if !literal.isEmpty { parts.append(.literal(literal)); literal = "" }
                parts.append(try expression())
            case "}":
                throw error("'}' without a matching '{'", at: index)
            case "%":
                guard URITemplate.isTriplet(scalars, at: index) else { throw error("'%' must start a percent-encoded triplet", at: index) }
                literal.unicodeScalars.append(contentsOf: scalars[index...(index + 2)])
                index += 3
            default:
                // RFC 6570 §2.1: controls, space and these never appear literally in a template.
                if scalar.value < 0x21 || scalar.value == 0x7F || "\"'<>\\^`|".unicodeScalars.contains(scalar) {
                    throw error("character U+\(String(scalar.value, radix: 16, uppercase: true)) is not allowed in a template", at: index)
                }
                literal.unicodeScalars.append(scalar)
                index += 1
            }
        }
        if !literal.isEmpty { parts.append(.literal(literal)) }
        return parts
    }

    mutating func expression() throws(MCPError) -> URITemplate.Part {
        let open = index
        index += 1
        guard index < scalars.count else { throw error("unclosed '{'", at: open) }
        var operatorScalar: Unicode.Scalar?
        if URITemplate.Operator.forCharacter(scalars[index]) != nil {
            operatorScalar = scalars[index]
            index += 1
        } else if "=,!@|".unicodeScalars.contains(scalars[index]) {
            throw error("operator '\(scalars[index])' is reserved", at: index)
        }
        var specs: [URITemplate.VariableSpec] = []
        while true {
            specs.append(try variableSpec(open: open))
            guard index < scalars.count else { throw error("unclosed '{'", at: open) }
            if scalars[index] == "}" { index += 1; break }
            guard scalars[index] == "," else { throw error("expected ',' or '}'", at: index) }
            index += 1
        }
        return .expression(URITemplate.Operator.forCharacter(operatorScalar)!, specs)
    }

    mutating func variableSpec(open: Int) throws(MCPError) -> URITemplate.VariableSpec {
        let start = index
        var name = ""
        var previousWasDot = true  // a name may not start with "."
        while index < scalars.count {
            let scalar = scalars[index]
            if scalar == "%" {
                guard URITemplate.isTriplet(scalars, at: index) else { throw error("'%' must start a percent-encoded triplet", at: index) }
                name.unicodeScalars.append(contentsOf: scalars[index...(index + 2)])
                index += 3
                previousWasDot = false
            } else if scalar == "." {
                if previousWasDot { throw error("misplaced '.' in a variable name", at: index) }
                name.unicodeScalars.append(scalar)
                index += 1
                previousWasDot = true
            } else if scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || scalar == "_") {
                name.unicodeScalars.append(scalar)
                index += 1
                previousWasDot = false
            } else {
                break
            }
        }
        if index >= scalars.count { throw error("unclosed '{'", at: open) }
        if name.isEmpty { throw error("expected a variable name", at: start) }
        if previousWasDot { throw error("a variable name may not end with '.'", at: index - 1) }
        switch scalars[index] {
        case ":":
            let colon = index
            index += 1
            var digits = ""
            while index < scalars.count, ("0"..."9").contains(scalars[index]), digits.count < 5 {
                digits.unicodeScalars.append(scalars[index])
                index += 1
            }
            guard let length = Int(digits), !digits.hasPrefix("0"), (1...9999).contains(length) else {
                throw error("a prefix must be a length from 1 to 9999", at: colon + 1)
            }
            if index < scalars.count, scalars[index] == "*" { throw error("a variable cannot have both a prefix and '*'", at: index) }
            return .init(name: name, prefix: length, explode: false)
        case "*":
            index += 1
            if index < scalars.count, scalars[index] == ":" { throw error("a variable cannot have both '*' and a prefix", at: index) }
            return .init(name: name, prefix: nil, explode: true)
        case ",", "}":
            return .init(name: name, prefix: nil, explode: false)
        default:
            throw error("character '\(scalars[index])' is not allowed in a variable name", at: index)
        }
    }
}
