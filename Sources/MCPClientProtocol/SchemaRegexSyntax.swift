/// The parsed form of a JSON Schema pattern (the ECMA-262 subset `SchemaRegex` supports).
indirect enum RegexNode: Sendable {
    case empty
    case scalar(UInt32)
    /// `.`: anything but a line terminator.
    case anyButNewline
    case characterClass(RegexCharacterClass)
    case sequence([RegexNode])
    case alternation([RegexNode])
    /// `( )` when `capture` is set (1-based group number), `(?: )` otherwise.
    case group(RegexNode, capture: Int?)
    case repetition(RegexNode, min: Int, max: Int?, greedy: Bool)
    case startAnchor
    case endAnchor
    case wordBoundary(negated: Bool)
    case backreference(Int)
    case lookahead(RegexNode, negated: Bool)

    /// Whether the node can match without consuming input (conservatively true when unsure).
    var canMatchEmpty: Bool {
        switch self {
        case .scalar, .anyButNewline, .characterClass: return false
        case .sequence(let items): return items.allSatisfy(\.canMatchEmpty)
        case .alternation(let items): return items.contains(where: \.canMatchEmpty)
        case .group(let inner, _): return inner.canMatchEmpty
        case .repetition(let inner, let min, _, _): return min == 0 || inner.canMatchEmpty
        default: return true
        }
    }

    /// Whether every match must start at position 0 (so the unanchored search need try only there).
    var isAnchoredAtStart: Bool {
        switch self {
        case .startAnchor: return true
        case .sequence(let items): return items.first?.isAnchoredAtStart ?? false
        case .alternation(let items): return !items.isEmpty && items.allSatisfy(\.isAnchoredAtStart)
        case .group(let inner, _): return inner.isAnchoredAtStart
        default: return false
        }
    }

    /// Capture groups inside this node, as a range of group numbers (they are numbered in order of their `(`).
    var captureRange: ClosedRange<Int>? {
        var low = Int.max, high = Int.min
        func visit(_ node: RegexNode) {
            switch node {
            case .group(let inner, let capture):
                if let capture { low = min(low, capture); high = max(high, capture) }
                visit(inner)
            case .sequence(let items), .alternation(let items): items.forEach(visit)
            case .repetition(let inner, _, _, _), .lookahead(let inner, _): visit(inner)
            default: break
            }
        }
        visit(self)
        return low <= high ? low...high : nil
    }
}

/// Recursive-descent parser over the pattern's code points. Depth is capped so a hostile `((((…` cannot exhaust
/// the stack; every construct outside the subset is an error with a reason.
struct RegexParser {
    static let maxNesting = 64

    private let scalars: [UInt32]
    private var position = 0
    private var nesting = 0
    private(set) var groupCount = 0
    private var groupNames: [String: Int] = [:]
    /// Backreferences by number or name, checked once all groups are known (forward references are legal).
    private var numberedReferences: [Int] = []
    private var namedReferences: [String] = []

    init(_ source: String) { scalars = source.unicodeScalars.map(\.value) }

    mutating func parse() throws(SchemaRegexError) -> RegexNode {
        var root = try parseAlternation()
        if position < scalars.count { throw error("unmatched )") }
        for number in numberedReferences where number > groupCount {
            throw error("backreference \\\(number) names a group that does not exist")
        }
        if !namedReferences.isEmpty { root = try resolveNamedReferences(root) }
        return root
    }

    // MARK: Structure

    private mutating func parseAlternation() throws(SchemaRegexError) -> RegexNode {
        nesting += 1
        defer { nesting -= 1 }
        guard nesting <= Self.maxNesting else { throw error("groups nested deeper than \(Self.maxNesting)") }
        var branches = [try parseSequence()]
        while peek == 0x7C {  // |
            position += 1
            branches.append(try parseSequence())
        }
        return branches.count == 1 ? branches[0] : .alternation(branches)
    }

    private mutating func parseSequence() throws(SchemaRegexError) -> RegexNode {
        var items: [RegexNode] = []
        while let next = peek, next != 0x7C, next != 0x29 {  // | )
            let (atom, quantifiable) = try parseTerm()
            if let quantified = try parseQuantifier(for: atom) {
                guard quantifiable else { throw error("nothing to repeat before quantifier") }
                items.append(quantified)
            } else {
                items.append(atom)
            }
        }
        if items.isEmpty { return .empty }
        return items.count == 1 ? items[0] : .sequence(items)
    }

    private mutating func parseTerm() throws(SchemaRegexError) -> (RegexNode, quantifiable: Bool) {
        guard let next = advance() else { throw error("unexpected end of pattern") }
        switch next {
        case 0x5E: return (.startAnchor, false)  // ^
        case 0x24: return (.endAnchor, false)  // $
        case 0x2E: return (.anyButNewline, true)  // .
        case 0x5B: return (.characterClass(try parseClass()), true)  // [
        case 0x28: return try parseGroup()  // (
        case 0x5C: return try parseEscape()  // \
        case 0x2A, 0x2B, 0x3F: throw error("nothing to repeat before quantifier")  // * + ?
        case 0x7B where quantifierBounds(at: position - 1) != nil: throw error("nothing to repeat before quantifier")
        default: return (.scalar(next), true)  // includes a lone { } ] (Annex B leniency)
        }
    }

    private mutating func parseGroup() throws(SchemaRegexError) -> (RegexNode, quantifiable: Bool) {
        var capture: Int?
        var lookahead: Bool?  // negated?
        if peek == 0x3F {  // (?
            position += 1
            switch advance() {
            case 0x3A: break  // (?:
            case 0x3D: lookahead = false  // (?=
            case 0x21: lookahead = true  // (?!
            case 0x3C where peek == 0x3D || peek == 0x21: throw error("lookbehind (?<= (?<! is not supported")
            case 0x3C:  // (?<name>
                let name = try parseGroupName()
                guard groupNames[name] == nil else { throw error("duplicate group name \(name)") }
                groupCount += 1
                groupNames[name] = groupCount
                capture = groupCount
            default: throw error("unsupported group syntax (?…")
            }
        } else {
            groupCount += 1
            capture = groupCount
        }
        let inner = try parseAlternation()
        guard advance() == 0x29 else { throw error("missing )") }
        if let negated = lookahead { return (.lookahead(inner, negated: negated), false) }
        return (.group(inner, capture: capture), true)
    }

    private mutating func parseGroupName() throws(SchemaRegexError) -> String {
        var name = ""
        while let next = advance(), next != 0x3E {  // >
            guard let scalar = Unicode.Scalar(next), scalar.properties.isAlphabetic || RegexScalars.isWord(next) || next == 0x24 else {
                throw error("invalid group name")
            }
            name.unicodeScalars.append(scalar)
        }
        guard scalars[position - 1] == 0x3E, !name.isEmpty else { throw error("invalid group name") }
        return name
    }

    private mutating func parseQuantifier(for atom: RegexNode) throws(SchemaRegexError) -> RegexNode? {
        guard let next = peek else { return nil }
        let bounds: (min: Int, max: Int?)
        switch next {
        case 0x2A: bounds = (0, nil); position += 1  // *
        case 0x2B: bounds = (1, nil); position += 1  // +
        case 0x3F: bounds = (0, 1); position += 1  // ?
        case 0x7B:  // {
            guard let (parsed, end) = quantifierBounds(at: position) else { return nil }  // a literal {
            bounds = parsed
            position = end
            if let max = parsed.max, max < parsed.min { throw error("quantifier range {\(parsed.min),\(max)} is out of order") }
        default: return nil
        }
        var greedy = true
        if peek == 0x3F { greedy = false; position += 1 }
        return .repetition(atom, min: bounds.min, max: bounds.max, greedy: greedy)
    }

    /// `{n}`, `{n,}` or `{n,m}` starting at `start` (a `{`): the bounds and the index after `}`. Huge numbers clamp;
    /// the compiler rejects what it cannot expand.
    private func quantifierBounds(at start: Int) -> ((min: Int, max: Int?), Int)? {
        var index = start + 1
        func number() -> Int? {
            var value: Int?
            while index < scalars.count, scalars[index] >= 0x30, scalars[index] <= 0x39 {
                value = min((value ?? 0) * 10 + Int(scalars[index] - 0x30), 1_000_000)
                index += 1
            }
            return value
        }
        guard let low = number() else { return nil }
        var high: Int? = low
        if index < scalars.count, scalars[index] == 0x2C {  // ,
            index += 1
            high = number()
        }
        guard index < scalars.count, scalars[index] == 0x7D else { return nil }  // }
        return ((low, high), index + 1)
    }

    // MARK: Escapes and classes

    private mutating func parseEscape() throws(SchemaRegexError) -> (RegexNode, quantifiable: Bool) {
        guard let next = peek else { throw error("pattern ends with \\") }
        switch next {
        case 0x62: position += 1; return (.wordBoundary(negated: false), false)  // \b
        case 0x42: position += 1; return (.wordBoundary(negated: true), false)  // \B
        case 0x31...0x39:  // \1 … backreference (decimal, as many digits as given)
            var number = 0
            while let digit = peek, digit >= 0x30, digit <= 0x39 {
                number = min(number * 10 + Int(digit - 0x30), 1_000_000)
                position += 1
            }
            numberedReferences.append(number)
            return (.backreference(number), true)
        case 0x6B:  // \k<name>
            position += 1
            guard advance() == 0x3C else { throw error("\\k must be followed by <name>") }
            let name = try parseGroupName()
            namedReferences.append(name)
            return (.backreference(-namedReferences.count), true)  // resolved after parsing
        default:
            return (try parseClassEscape(insideClass: false), true)
        }
    }

    /// An escape that stands for a code point or a set (shared by atoms and `[...]`).
    private mutating func parseClassEscape(insideClass: Bool) throws(SchemaRegexError) -> RegexNode {
        guard let next = advance() else { throw error("pattern ends with \\") }
        switch next {
        case 0x64: return .characterClass(.builtin(.digit, negated: false))  // \d
        case 0x44: return .characterClass(.builtin(.digit, negated: true))
        case 0x77: return .characterClass(.builtin(.word, negated: false))  // \w
        case 0x57: return .characterClass(.builtin(.word, negated: true))
        case 0x73: return .characterClass(.builtin(.space, negated: false))  // \s
        case 0x53: return .characterClass(.builtin(.space, negated: true))
        case 0x70, 0x50:  // \p{…} \P{…}
            guard advance() == 0x7B else { throw error("\\p must be followed by {name}") }
            var name = ""
            while let scalar = advance(), scalar != 0x7D, let unicode = Unicode.Scalar(scalar) { name.unicodeScalars.append(unicode) }
            guard scalars[position - 1] == 0x7D else { throw error("unterminated \\p{") }
            guard let set = RegexScalars.property(named: name) else { throw error("Unicode property \\p{\(name)} is not supported") }
            return .characterClass(.builtin(set, negated: next == 0x50))
        case 0x74: return .scalar(0x09)  // \t
        case 0x6E: return .scalar(0x0A)  // \n
        case 0x76: return .scalar(0x0B)  // \v
        case 0x66: return .scalar(0x0C)  // \f
        case 0x72: return .scalar(0x0D)  // \r
        case 0x62 where insideClass: return .scalar(0x08)  // [\b] is backspace
        case 0x2D where insideClass: return .scalar(0x2D)  // [\-]
        case 0x30:  // \0, not followed by a digit (octal escapes are not ECMA-262 in unicode mode)
            if let digit = peek, digit >= 0x30, digit <= 0x39 { throw error("octal escapes are not supported") }
            return .scalar(0)
        case 0x63:  // \cX
            guard let letter = advance(), (letter | 0x20) >= 0x61, (letter | 0x20) <= 0x7A else { throw error("\\c must be followed by a letter") }
            return .scalar(letter % 32)
        case 0x78: return .scalar(try hexDigits(2))  // \xHH
        case 0x75: return .scalar(try unicodeEscape())  // \uHHHH, \u{…}
        case 0x31...0x39 where insideClass: throw error("backreferences are not allowed in a character class")
        default:
            // Identity escapes: ASCII punctuation only. Letters and digits would mean something else in other
            // dialects (\a, \z, \A …), so they are rejected rather than guessed.
            guard next >= 0x20, next < 0x7F, !RegexScalars.isWord(next) else {
                throw error("unsupported escape \\\(String(Unicode.Scalar(next).map(Character.init) ?? "?"))")
            }
            return .scalar(next)
        }
    }

    private mutating func unicodeEscape() throws(SchemaRegexError) -> UInt32 {
        if peek == 0x7B {  // \u{…}
            position += 1
            var value: UInt32 = 0
            var digits = 0
            while let next = peek, next != 0x7D {
                guard let digit = Self.hexValue(next) else { throw error("invalid \\u{…} escape") }
                value = value * 16 + digit
                digits += 1
                position += 1
                guard value <= 0x10FFFF else { throw error("\\u{…} escape beyond U+10FFFF") }
            }
            guard digits > 0, advance() == 0x7D else { throw error("invalid \\u{…} escape") }
            return value
        }
        let value = try hexDigits(4)
        // A surrogate pair written as two escapes is one code point (unicode-mode semantics).
        if value >= 0xD800, value <= 0xDBFF, position + 5 < scalars.count, scalars[position] == 0x5C, scalars[position + 1] == 0x75 {
            let saved = position
            position += 2
            if let low = try? hexDigits(4), low >= 0xDC00, low <= 0xDFFF {
                return 0x10000 + ((value - 0xD800) << 10) + (low - 0xDC00)
            }
            position = saved
        }
        return value
    }

    private mutating func hexDigits(_ count: Int) throws(SchemaRegexError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<count {
            guard let next = advance(), let digit = Self.hexValue(next) else { throw error("invalid hexadecimal escape") }
            value = value * 16 + digit
        }
        return value
    }

    private static func hexValue(_ scalar: UInt32) -> UInt32? {
        switch scalar {
        case 0x30...0x39: return scalar - 0x30
        case 0x41...0x46: return scalar - 0x41 + 10
        case 0x61...0x66: return scalar - 0x61 + 10
        default: return nil
        }
    }

    /// After `[`: members up to `]`. A range's ends must be single code points, in order.
    private mutating func parseClass() throws(SchemaRegexError) -> RegexCharacterClass {
        var result = RegexCharacterClass()
        if peek == 0x5E { result.negated = true; position += 1 }  // [^
        while true {
            guard let next = advance() else { throw error("missing ] for character class") }
            if next == 0x5D { return result }  // ]
            let low = try classMember(next)
            if peek == 0x2D, position + 1 < scalars.count, scalars[position + 1] != 0x5D {  // a-b
                position += 1
                guard let highStart = advance() else { throw error("missing ] for character class") }
                let high = try classMember(highStart)
                guard case .scalar(let lowValue) = low, case .scalar(let highValue) = high else {
                    throw error("character class range with a set (like \\d) as an end")
                }
                guard lowValue <= highValue else { throw error("character class range out of order") }
                result.ranges.append(lowValue...highValue)
                continue
            }
            switch low {
            case .scalar(let value): result.ranges.append(value...value)
            case .characterClass(let builtin): result.sets.append(contentsOf: builtin.sets)
            default: throw error("invalid character class member")
            }
        }
    }

    private mutating func classMember(_ first: UInt32) throws(SchemaRegexError) -> RegexNode {
        first == 0x5C ? try parseClassEscape(insideClass: true) : .scalar(first)
    }

    private func resolveNamedReferences(_ node: RegexNode) throws(SchemaRegexError) -> RegexNode {
        func resolve(_ node: RegexNode) throws(SchemaRegexError) -> RegexNode {
            switch node {
            case .backreference(let number) where number < 0:
                let name = namedReferences[-number - 1]
                guard let group = groupNames[name] else { throw error("\\k<\(name)> names a group that does not exist") }
                return .backreference(group)
            case .sequence(let items): return .sequence(try items.map(resolve))
            case .alternation(let items): return .alternation(try items.map(resolve))
            case .group(let inner, let capture): return .group(try resolve(inner), capture: capture)
            case .repetition(let inner, let min, let max, let greedy): return .repetition(try resolve(inner), min: min, max: max, greedy: greedy)
            case .lookahead(let inner, let negated): return .lookahead(try resolve(inner), negated: negated)
            default: return node
            }
        }
        return try resolve(node)
    }

    // MARK: Cursor

    private var peek: UInt32? { position < scalars.count ? scalars[position] : nil }

    private mutating func advance() -> UInt32? {
        guard position < scalars.count else { return nil }
        defer { position += 1 }
        return scalars[position]
    }

    private func error(_ reason: String) -> SchemaRegexError {
        SchemaRegexError(reason: "\(reason) (at offset \(position))")
    }
}
