import MCPClientCore
@testable import MCPClientProtocol
import Testing

/// Whether `pattern` matches somewhere in `text` with a generous budget; nil if it does not compile.
private func search(_ pattern: String, _ text: String, budget: Int = 1_000_000) -> Bool? {
    guard let regex = try? SchemaRegex(pattern) else { return nil }
    var remaining = budget
    return regex.firstMatch(in: text.unicodeScalars, budget: &remaining)
}

private func rejection(_ pattern: String) -> String? {
    do {
        _ = try SchemaRegex(pattern)
        return nil
    } catch {
        return error.reason
    }
}

@Suite struct SchemaRegexTests {
    @Test func literalsMatchCodePointsAnywhere() {
        #expect(search("abc", "xxabcxx") == true)
        #expect(search("abc", "abx") == false)
        #expect(search("", "") == true)
        #expect(search("é", "caf\u{E9}") == true)
        #expect(search("é", "cafe\u{301}") == false)  // code points, not graphemes
        #expect(search("😀", "a😀b") == true)
    }

    @Test func dotExcludesLineTerminators() {
        #expect(search("^.$", "x") == true)
        #expect(search("^.$", "😀") == true)  // one code point
        for terminator in ["\n", "\r", "\u{2028}", "\u{2029}"] { #expect(search("^.$", terminator) == false) }
    }

    @Test func characterClasses() {
        #expect(search("^[a-c_]+$", "abc_cab") == true)
        #expect(search("^[a-c_]+$", "abd") == false)
        #expect(search("^[^0-9]$", "x") == true)
        #expect(search("^[^0-9]$", "5") == false)
        #expect(search(#"^[\d.-]+$"#, "1.5-2") == true)
        #expect(search(#"^[\]\\\-]$"#, "]") == true)
        #expect(search(#"^[\]\\\-]$"#, "-") == true)
        #expect(search(#"^[\]\\\-]$"#, "a") == false)
        #expect(search("^[-a]$", "-") == true)
        #expect(search("^[a-]$", "-") == true)
        #expect(search("[]", "a") == false)
        #expect(search("^[^]$", "\n") == true)
        #expect(search(#"^[\u{1F600}-\u{1F64F}]$"#, "😃") == true)
        #expect(search(#"^[\b]$"#, "\u{8}") == true)
    }

    @Test func builtinSetsFollowECMA() {
        #expect(search(#"^\d+$"#, "0123456789") == true)
        #expect(search(#"^\d$"#, "٣") == false)  // ASCII only
        #expect(search(#"^\D$"#, "٣") == true)
        #expect(search(#"^\w+$"#, "az_AZ09") == true)
        #expect(search(#"^\w$"#, "é") == false)
        #expect(search(#"^\W$"#, "é") == true)
        for space in ["\t", "\n", "\u{B}", "\u{C}", "\r", " ", "\u{A0}", "\u{FEFF}", "\u{2003}", "\u{3000}", "\u{2028}"] {
            #expect(search(#"^\s$"#, space) == true, "\(space.debugDescription)")
        }
        #expect(search(#"^\s$"#, "\u{200B}") == false)  // zero-width space is not Zs
        #expect(search(#"^\S$"#, "x") == true)
        #expect(search(#"^\S$"#, " ") == false)
    }

    @Test func unicodePropertyEscapes() {
        #expect(search(#"^\p{L}+$"#, "héllo") == true)
        #expect(search(#"^\p{Letter}+$"#, "日本") == true)
        #expect(search(#"^\p{L}$"#, "1") == false)
        #expect(search(#"^\p{Lu}$"#, "A") == true)
        #expect(search(#"^\p{Lu}$"#, "a") == false)
        #expect(search(#"^\p{Ll}$"#, "a") == true)
        #expect(search(#"^\p{Nd}$"#, "٣") == true)
        #expect(search(#"^\p{N}$"#, "½") == true)
        #expect(search(#"^\p{P}$"#, "!") == true)
        #expect(search(#"^\p{S}$"#, "€") == true)
        #expect(search(#"^\p{Zs}$"#, "\u{3000}") == true)
        #expect(search(#"^\p{gc=Lu}$"#, "Q") == true)
        #expect(search(#"^\p{digit}+$"#, "4২") == true)  // ECMA-262 accepts the alias "digit" for Nd
        #expect(search(#"^\P{L}$"#, "1") == true)
        #expect(search(#"^[\p{L}\d]+$"#, "ab12") == true)
        #expect(rejection(#"\p{Script=Greek}"#)?.contains("not supported") == true)
    }

    @Test func escapes() {
        #expect(search(#"^\t\n\r\f\v\0$"#, "\t\n\r\u{C}\u{B}\0") == true)
        #expect(search(#"^\x41\u0042\u{1F600}$"#, "AB😀") == true)
        #expect(search(#"^\uD83D\uDE00$"#, "😀") == true)  // a surrogate pair is one code point
        #expect(search(#"^\cJ$"#, "\n") == true)
        #expect(search(#"^\.\*\+\?\(\)\[\]\{\}\|\^\$\\\/$"#, ".*+?()[]{}|^$\\/") == true)
        #expect(search(#"^\-\:\@$"#, "-:@") == true)
        #expect(search(#"\."#, "a") == false)
    }

    @Test func anchorsAndWordBoundaries() {
        #expect(search("^ab", "abc") == true)
        #expect(search("^ab", "cab") == false)
        #expect(search("ab$", "cab") == true)
        #expect(search("ab$", "abc") == false)
        #expect(search("ab$", "ab\n") == false)  // no multiline
        #expect(search(#"\bcat\b"#, "a cat.") == true)
        #expect(search(#"\bcat\b"#, "concat") == false)
        #expect(search(#"\Bcat"#, "concat") == true)
        #expect(search(#"\Bcat"#, "cat") == false)
    }

    @Test func groupsAndAlternation() {
        #expect(search("^(ab|cd)+$", "abcdab") == true)
        #expect(search("^(ab|cd)+$", "abc") == false)
        #expect(search("^(?:a|b)c$", "bc") == true)
        #expect(search("^a|b$", "xxb") == true)  // | binds loosest
        #expect(search("^(a|)$", "") == true)
        #expect(search("^(?<year>\\d{4})-\\k<year>$", "2024-2024") == true)
        #expect(search("^(?<year>\\d{4})-\\k<year>$", "2024-2025") == false)
    }

    @Test func quantifiers() {
        #expect(search("^a*$", "") == true)
        #expect(search("^a+$", "") == false)
        #expect(search("^ab?c$", "ac") == true)
        #expect(search("^a{3}$", "aaa") == true)
        #expect(search("^a{3}$", "aa") == false)
        #expect(search("^a{2,}$", "aaaaa") == true)
        #expect(search("^a{2,}$", "a") == false)
        #expect(search("^a{1,2}$", "aa") == true)
        #expect(search("^a{1,2}$", "aaa") == false)
        #expect(search("^a{,2}$", "a{,2}") == true)  // not a quantifier: literal, as in JavaScript
        #expect(search("^(a*)*$", "aaa") == true)  // empty iterations cannot loop forever
        #expect(search("^(a*)*b$", "aaac") == false)
        #expect(rejection("a{2,1}")?.contains("out of order") == true)
        #expect(rejection("*a")?.contains("nothing to repeat") == true)
        #expect(rejection("a**")?.contains("nothing to repeat") == true)
    }

    @Test func lazyQuantifiersPreferShorterMatches() {
        // Only observable through what a later group or backreference sees.
        #expect(search(#"^(a+?)\1$"#, "aaaa") == true)
        #expect(search(#"^<(.+?)>.*</\1>$"#, "<b>x</b>") == true)
        #expect(search(#"^(a*?)(a*)$"#, "aa") == true)
        #expect(search(#"^(a+?)b\1$"#, "aabaa") == true)
        // Greedy (a+) takes "aaa" first, then backs off; lazy takes "a" first: both find (aa)(aa).
        #expect(search(#"^(a+)\1$"#, "aaaa") == true)
        // Lazy {n,m}? still respects its bounds.
        #expect(search("^a{2,3}?$", "aaa") == true)
        #expect(search("^a{2,3}?$", "a") == false)
        #expect(search("^a??b$", "ab") == true)
    }

    @Test func greedyAndLazyDifferInCostWhereObservable() throws {
        // A lazy `.*?` stops at the first "x"; a greedy `.*` runs to the end and backs off. Same verdict,
        // different step counts: the budget makes the difference visible.
        let text = "x" + String(repeating: "y", count: 500)
        let lazy = try SchemaRegex("^.*?x"), greedy = try SchemaRegex("^.*x")
        var lazyBudget = 100_000, greedyBudget = 100_000
        #expect(lazy.firstMatch(in: text.unicodeScalars, budget: &lazyBudget) == true)
        #expect(greedy.firstMatch(in: text.unicodeScalars, budget: &greedyBudget) == true)
        #expect(lazyBudget > greedyBudget + 1000)
    }

    @Test func backreferencesAndLookahead() {
        #expect(search(#"^(\w)\1$"#, "aa") == true)
        #expect(search(#"^(\w)\1$"#, "ab") == false)
        #expect(search(#"^(a)|\1b$"#, "b") == true)  // an unset group matches empty
        #expect(search("^(?=.*\\d)(?=.*[a-z]).{6,}$", "abc123") == true)
        #expect(search("^(?=.*\\d)(?=.*[a-z]).{6,}$", "abcdef") == false)
        #expect(search("^(?!admin$)\\w+$", "administrator") == true)
        #expect(search("^(?!admin$)\\w+$", "admin") == false)
        #expect(search(#"^(?=(a+))a*b\1$"#, "baaabac") == false)
        #expect(search(#"(?=(a+))a*b\1"#, "baaabac") == true)  // ECMA-262's own example: the lookahead's capture is kept
        #expect(search(#"^(z)((a+)?(b+)?(c))*$"#, "zaacbbbcac") == true)
        // Captures reset on each iteration: after "a" then "b", \1 is unset (empty). Without the reset it would
        // still hold "a" and this would fail.
        #expect(search(#"^(?:(a)|b)+\1$"#, "ab") == true)
    }

    @Test func unsupportedConstructsAreRejectedWithAReason() {
        #expect(rejection("(?<=a)b")?.contains("lookbehind") == true)
        #expect(rejection("(?<!a)b")?.contains("lookbehind") == true)
        #expect(rejection("(?i)abc")?.contains("unsupported group") == true)
        #expect(rejection(#"\a"#)?.contains("unsupported escape") == true)
        #expect(rejection(#"\Z"#)?.contains("unsupported escape") == true)
        #expect(rejection(#"\01"#)?.contains("octal") == true)
        #expect(rejection(#"(a)\2"#)?.contains("does not exist") == true)
        #expect(rejection(#"\k<nope>"#)?.contains("does not exist") == true)
        #expect(rejection("(unclosed")?.contains("missing )") == true)
        #expect(rejection("unopened)")?.contains("unmatched )") == true)
        #expect(rejection("[abc")?.contains("missing ]") == true)
        #expect(rejection(#"[z-a]"#)?.contains("out of order") == true)
        #expect(rejection(#"[\d-z]"#)?.contains("range") == true)
        #expect(rejection("trailing\\")?.contains("ends with") == true)
        #expect(rejection(#"\p{NotAProperty}"#)?.contains("not supported") == true)
        #expect(rejection(String(repeating: "(", count: 200) + String(repeating: ")", count: 200))?.contains("nested") == true)
        #expect(rejection("a{100000}")?.contains("too large") == true)
        #expect(rejection("(?=a)*")?.contains("nothing to repeat") == true)
    }

    @Test func catastrophicBacktrackingRunsOutOfBudgetQuickly() throws {
        let regex = try SchemaRegex("^(a+)+$")
        let text = String(repeating: "a", count: 30) + "b"
        var budget = 200_000
        let clock = ContinuousClock()
        let started = clock.now
        #expect(regex.firstMatch(in: text.unicodeScalars, budget: &budget) == nil)
        #expect(clock.now - started < .milliseconds(500))
        #expect(budget <= 0)
    }

    @Test func budgetIsChargedAndReportedBack() throws {
        let regex = try SchemaRegex("b")
        var budget = 1_000
        #expect(regex.firstMatch(in: "aaab".unicodeScalars, budget: &budget) == true)
        #expect(budget < 1_000 && budget > 900)
        var tiny = 3
        #expect(regex.firstMatch(in: "aaaaaaaab".unicodeScalars, budget: &tiny) == nil)
        // A pattern anchored at the start tries one position only, however long the text.
        let anchored = try SchemaRegex("^b")
        var anchoredBudget = 10
        #expect(anchored.firstMatch(in: String(repeating: "a", count: 10_000).unicodeScalars, budget: &anchoredBudget) == false)
    }

    @Test func longInputsDoNotRecurse() throws {
        // The machine keeps its backtrack stack on the heap: a long greedy loop must not grow the call stack.
        let text = String(repeating: "ab", count: 50_000)
        var budget = 10_000_000
        #expect(try SchemaRegex("^(?:ab)*$").firstMatch(in: text.unicodeScalars, budget: &budget) == true)
    }

    @Test func compiledPatternsAreSharedAcrossThreads() async throws {
        let regex = try SchemaRegex(#"^[a-z]+(\d+)\1$"#)
        let results = await withTaskGroup(of: Bool?.self) { group in
            for index in 0..<16 {
                group.addTask {
                    var budget = 100_000
                    return regex.firstMatch(in: "abc\(index)\(index)".unicodeScalars, budget: &budget)
                }
            }
            var collected: [Bool?] = []
            for await result in group { collected.append(result) }
            return collected
        }
        #expect(results.count == 16 && results.allSatisfy { $0 == true })
    }

    @Test func schemaWithCatastrophicPatternIsIndeterminate() throws {
        let schema = JSONSchema(try JSONParser.parse(#"{"pattern": "^(a+)+$"}"#))
        let text = String(repeating: "a", count: 30) + "b"
        let clock = ContinuousClock()
        let started = clock.now
        guard case .indeterminate(let reason) = schema.validate(.string(text)) else {
            Issue.record("expected indeterminate")
            return
        }
        #expect(reason.contains("step budget"))
        #expect(clock.now - started < .seconds(1))
        #expect(schema.validate("aaaa") == .valid)
        let properties = JSONSchema(try JSONParser.parse(#"{"patternProperties": {"^(a|aa)+$": {"type": "string"}}}"#))
        let members = JSONObject([(key: String(repeating: "a", count: 60) + "b", value: .int(1))])
        guard case .indeterminate = properties.validate(.object(members)) else {
            Issue.record("expected indeterminate for patternProperties")
            return
        }
    }

    @Test func emptyBodiesWithHugeCountsCompileAtOnce() throws {
        let clock = ContinuousClock()
        let started = clock.now
        let regex = try SchemaRegex("^(?:(?:(?:a{0}){1000000}){1000000}){1000000}b$")
        #expect(clock.now - started < .seconds(1))  // not 10^18 unrolled iterations
        var budget = 10_000
        #expect(regex.firstMatch(in: "b".unicodeScalars, budget: &budget) == true)
    }

    @Test func aSchemaTooLargeOnceCompiledIsIndeterminate() throws {
        // Each pattern is tiny on the wire but ~20,000 instructions compiled; 60 of them exceed the document allowance.
        var patterns = JSONObject()
        for index in 0..<60 { patterns["(?:a{999}){20}|x\(index)"] = ["type": "string"] }
        let schema = JSONSchema(.object(["patternProperties": .object(patterns)]))
        guard case .indeterminate(let reason) = schema.validate(["k": "v"]) else {
            Issue.record("expected indeterminate")
            return
        }
        #expect(reason.contains("too large"))
        #expect(JSONSchema(["patternProperties": ["(?:a{999}){20}": ["type": "string"]]]).validate(["k": "v"]) == .valid)
    }

    @Test func requiredLookupsOnLargeObjectsAreCharged() {
        var members = JSONObject()
        for index in 0..<3_000 { members["p\(index)"] = .int(Int64(index)) }
        let names = JSONValue.array((0..<3_000).map { .string("p\($0)") })
        var limits = JSONSchemaLimits()
        limits.maxSteps = 10_000
        guard case .indeterminate = JSONSchema(["required": names], limits: limits).validate(.object(members)) else {
            Issue.record("3,000 lookups in a 3,000-member object should exceed a 10,000-step budget")
            return
        }
        let few = JSONValue.array((0..<500).map { .string("p\($0)") })
        #expect(JSONSchema(["required": few]).validate(.object(members)) == .valid)  // 500 x 94 steps fits the default budget
    }
}
