/// Sets of code points for `.`, `[...]`, `\d \w \s` and `\p{...}`. Everything here is small and explicit so the
/// library needs no regex runtime or Unicode name tables; `\p` uses the stdlib's scalar properties, which String
/// already links.
enum RegexBuiltinSet: Sendable, Equatable {
    case digit
    case word
    case space
    /// `\p{...}` with a general-category name: matches scalars in any of these categories.
    case categories([Unicode.GeneralCategory])
    /// `\p{...}` with a binary property name this engine knows.
    case property(RegexBinaryProperty)

    func contains(_ value: UInt32) -> Bool {
        switch self {
        case .digit: return value >= 0x30 && value <= 0x39
        case .word: return RegexScalars.isWord(value)
        case .space: return RegexScalars.isSpace(value)
        case .categories(let categories):
            guard let scalar = Unicode.Scalar(value) else { return false }
            return categories.contains(scalar.properties.generalCategory)
        case .property(let property):
            guard let scalar = Unicode.Scalar(value) else { return false }
            return property.holds(for: scalar)
        }
    }
}

enum RegexBinaryProperty: Sendable, Equatable {
    case any, ascii, alphabetic, whiteSpace, uppercase, lowercase

    func holds(for scalar: Unicode.Scalar) -> Bool {
        switch self {
        case .any: return true
        case .ascii: return scalar.isASCII
        case .alphabetic: return scalar.properties.isAlphabetic
        case .whiteSpace: return scalar.properties.isWhitespace
        case .uppercase: return scalar.properties.isUppercase
        case .lowercase: return scalar.properties.isLowercase
        }
    }
}

/// One `[...]` (or a lone `\d`, `\P{L}` …): ranges and built-in sets, each possibly negated, the whole possibly negated.
struct RegexCharacterClass: Sendable, Equatable {
    var ranges: [ClosedRange<UInt32>] = []
    var sets: [(set: RegexBuiltinSet, negated: Bool)] = []
    var negated = false

    static func == (a: Self, b: Self) -> Bool {
        a.ranges == b.ranges && a.negated == b.negated && a.sets.count == b.sets.count
            && zip(a.sets, b.sets).allSatisfy { $0.set == $1.set && $0.negated == $1.negated }
    }

    static func builtin(_ set: RegexBuiltinSet, negated: Bool) -> Self {
        var result = Self()
        result.sets = [(set, negated)]
        return result
    }

    func contains(_ value: UInt32) -> Bool {
        var found = ranges.contains { $0.contains(value) }
        if !found { found = sets.contains { $0.set.contains(value) != $0.negated } }
        return found != negated
    }
}

enum RegexScalars {
    /// ECMA-262 LineTerminator: what `.` does not match.
    static func isLineTerminator(_ value: UInt32) -> Bool {
        value == 0x0A || value == 0x0D || value == 0x2028 || value == 0x2029
    }

    /// `\w` without the i flag: ASCII letters, digits and underscore, as ECMA-262 defines it.
    static func isWord(_ value: UInt32) -> Bool {
        (value >= 0x61 && value <= 0x7A) || (value >= 0x41 && value <= 0x5A) || (value >= 0x30 && value <= 0x39) || value == 0x5F
    }

    /// `\s`: ECMA-262 WhiteSpace (incl. U+FEFF and every Zs space) and LineTerminator, listed rather than looked up.
    static func isSpace(_ value: UInt32) -> Bool {
        switch value {
        case 0x09...0x0D, 0x20, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000, 0xFEFF: return true
        default: return false
        }
    }

    /// The `\p{...}` names this engine knows: general categories (short, long, or `gc=`/`General_Category=` forms)
    /// and a few binary properties. Scripts and the rest are rejected at compile time.
    static func property(named text: String) -> RegexBuiltinSet? {
        for prefix in ["General_Category=", "gc="] where text.hasPrefix(prefix) {
            return generalCategories[String(text.dropFirst(prefix.count))].map(RegexBuiltinSet.categories)
        }
        if let categories = generalCategories[text] { return .categories(categories) }
        switch text {
        case "Any": return .property(.any)
        case "ASCII": return .property(.ascii)
        case "Alphabetic", "Alpha": return .property(.alphabetic)
        case "White_Space", "space": return .property(.whiteSpace)
        case "Uppercase", "Upper": return .property(.uppercase)
        case "Lowercase", "Lower": return .property(.lowercase)
        default: return nil
        }
    }

    private static let generalCategories: [String: [Unicode.GeneralCategory]] = {
        let groups: [(short: String, long: String, [(String, String, Unicode.GeneralCategory)])] = [
            ("L", "Letter", [("Lu", "Uppercase_Letter", .uppercaseLetter), ("Ll", "Lowercase_Letter", .lowercaseLetter),
                             ("Lt", "Titlecase_Letter", .titlecaseLetter), ("Lm", "Modifier_Letter", .modifierLetter),
                             ("Lo", "Other_Letter", .otherLetter)]),
            ("M", "Mark", [("Mn", "Nonspacing_Mark", .nonspacingMark), ("Mc", "Spacing_Mark", .spacingMark),
                           ("Me", "Enclosing_Mark", .enclosingMark)]),
            ("N", "Number", [("Nd", "Decimal_Number", .decimalNumber), ("Nl", "Letter_Number", .letterNumber),
                             ("No", "Other_Number", .otherNumber)]),
            ("P", "Punctuation", [("Pc", "Connector_Punctuation", .connectorPunctuation), ("Pd", "Dash_Punctuation", .dashPunctuation),
                                  ("Ps", "Open_Punctuation", .openPunctuation), ("Pe", "Close_Punctuation", .closePunctuation),
                                  ("Pi", "Initial_Punctuation", .initialPunctuation), ("Pf", "Final_Punctuation", .finalPunctuation),
                                  ("Po", "Other_Punctuation", .otherPunctuation)]),
            ("S", "Symbol", [("Sm", "Math_Symbol", .mathSymbol), ("Sc", "Currency_Symbol", .currencySymbol),
                             ("Sk", "Modifier_Symbol", .modifierSymbol), ("So", "Other_Symbol", .otherSymbol)]),
            ("Z", "Separator", [("Zs", "Space_Separator", .spaceSeparator), ("Zl", "Line_Separator", .lineSeparator),
                                ("Zp", "Paragraph_Separator", .paragraphSeparator)]),
            ("C", "Other", [("Cc", "Control", .control), ("Cf", "Format", .format), ("Cs", "Surrogate", .surrogate),
                            ("Co", "Private_Use", .privateUse), ("Cn", "Unassigned", .unassigned)]),
        ]
        var table: [String: [Unicode.GeneralCategory]] = [:]
        for (short, long, members) in groups {
            table[short] = members.map(\.2)
            table[long] = members.map(\.2)
            for (memberShort, memberLong, category) in members {
                table[memberShort] = [category]
                table[memberLong] = [category]
            }
        }
        table["LC"] = [.uppercaseLetter, .lowercaseLetter, .titlecaseLetter]
        table["Cased_Letter"] = table["LC"]
        // The extra aliases ECMA-262 accepts (Unicode's PropertyValueAliases.txt).
        table["digit"] = table["Nd"]
        table["punct"] = table["P"]
        table["Combining_Mark"] = table["M"]
        table["cntrl"] = table["Cc"]
        return table
    }()
}
