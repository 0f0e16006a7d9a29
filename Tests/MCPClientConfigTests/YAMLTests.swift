import Glibc
import MCPClientConfig
import MCPClientCore
import MCPClientTesting
import Testing

/// Reads a file next to this source (the case corpus is not a SwiftPM resource, so no Foundation bundle is needed).
func fixtureText(_ relativePath: String, sourceFile: String = #filePath) -> String? {
    var directory = sourceFile
    while let last = directory.last, last != "/" { directory.removeLast() }
    guard let file = fopen(directory + relativePath, "rb") else { return nil }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
        let count = fread(&buffer, 1, buffer.count, file)
        if count <= 0 { break }
        bytes.append(contentsOf: buffer[0..<count])
    }
    return String(decoding: bytes, as: UTF8.self)
}

/// Runs `body` on a new thread with the given stack size and returns its result.
func onThread(stackBytes: Int, _ body: @escaping @Sendable () -> String) -> String {
    let result = Locked("")
    guard let thread = TestThread.start(stackBytes: stackBytes, { result.withLock { $0 = body() } }) else { return "pthread_create failed" }
    pthread_join(thread, nil)
    return result.withLock { $0 }
}

func yamlCaseNames(sourceFile: String = #filePath) -> [String] {
    var directory = sourceFile
    while let last = directory.last, last != "/" { directory.removeLast() }
    guard let dir = opendir(directory + "yaml-cases") else { return [] }
    defer { closedir(dir) }
    var names: [String] = []
    while let entry = readdir(dir) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
        if name.hasSuffix(".yaml") { names.append(String(name.dropLast(5))) }
    }
    return names.sorted()
}

func parse(_ text: String, limits: YAMLParser.Limits = .default) throws -> JSONValue {
    try YAMLParser.parse(text, limits: limits).value
}

/// The error a YAML text fails with (nil if it parses).
func yamlError(_ text: String, limits: YAMLParser.Limits = .default) -> MCPError? {
    do {
        _ = try YAMLParser.parse(text, limits: limits)
        return nil
    } catch {
        return error
    }
}

@Suite struct YAMLCorpusTests {
    @Test func corpusIsPresent() {
        #expect(yamlCaseNames().count >= 16)
    }

    @Test(arguments: yamlCaseNames())
    func caseMatchesExpectedJSON(name: String) throws {
        let yaml = try #require(fixtureText("yaml-cases/\(name).yaml"))
        let json = try #require(fixtureText("yaml-cases/\(name).json"))
        let expected = try JSONParser.parse(json)
        let document = try YAMLParser.parse(yaml)
        #expect(document.value == expected, "\(name): \(JSONWriter.string(document.value))")
        #expect(document.syntax == .yaml)
    }

    @Test(arguments: yamlCaseNames())
    func expectedJSONIsLocatedTheSameWay(name: String) throws {
        let json = try #require(fixtureText("yaml-cases/\(name).json"))
        let document = try SourceDocument.parseJSON(json)
        #expect(document.syntax == .json)
        #expect(Set(document.locations.keys) == Set(try YAMLParser.parse(try #require(fixtureText("yaml-cases/\(name).yaml"))).locations.keys))
    }

    @Test(arguments: yamlCaseNames())
    func everyNodeIsLocated(name: String) throws {
        let yaml = try #require(fixtureText("yaml-cases/\(name).yaml"))
        let document = try YAMLParser.parse(yaml)
        var missing: [String] = []
        func visit(_ value: JSONValue, _ path: ConfigPath) {
            if document.locations[path] == nil { missing.append(path.description) }
            switch value {
            case .object(let object): for entry in object { visit(entry.value, path.appending(entry.key)) }
            case .array(let items): for (index, item) in items.enumerated() { visit(item, path.appending(index: index)) }
            default: break
            }
        }
        visit(document.value, ConfigPath())
        #expect(missing.isEmpty, "\(name): unlocated \(missing)")
    }
}

@Suite struct YAMLConstructTests {
    @Test func blockMappingsAndSequences() throws {
        #expect(try parse("a: 1\nb:\n  c: x\n  d: [1, 2]\n") == ["a": 1, "b": ["c": "x", "d": [1, 2]]])
        #expect(try parse("- a\n- - b\n  - c\n- d: 1\n  e: 2\n") == ["a", ["b", "c"], ["d": 1, "e": 2]])
    }

    @Test func sequenceIndentationInsideMappings() throws {
        let sameColumn = "args:\n- -y\n- pkg\nnext: 1\n"
        let indented = "args:\n  - -y\n  - pkg\nnext: 1\n"
        #expect(try parse(sameColumn) == ["args": ["-y", "pkg"], "next": 1])
        #expect(try parse(indented) == ["args": ["-y", "pkg"], "next": 1])
        #expect(try parse("- a:\n  - b\n  c: d\n") == [["a": ["b"], "c": "d"]])
    }

    @Test func multiLinePlainScalars() throws {
        #expect(try parse("k: one\n  two\n\n  three\nnext: x\n") == ["k": "one two\nthree", "next": "x"])
        #expect(try parse("- a\n  b\n- c\n") == ["a b", "c"])
        #expect(yamlError("k: a # a comment ends the scalar\n  b\n") != nil)
        #expect(try parse("k: a#b\n") == ["k": "a#b"])
        #expect(try parse("url: http://x:80/a\n") == ["url": "http://x:80/a"])
    }

    @Test func quotedScalarsAndEveryEscape() throws {
        #expect(try parse(#"a: 'it''s'"#) == ["a": "it's"])
        let escapes = #"a: "\0\a\b\t\\#t\n\v\f\r\e\ \"\/\\\N\_\L\P\x41\u00e9\U0001F600""#
        #expect(try parse(escapes) == ["a": .string("\u{0}\u{7}\u{8}\t\t\n\u{B}\u{C}\r\u{1B} \"/\\\u{85}\u{A0}\u{2028}\u{2029}Aé😀")])
        #expect(try parse("a: \"one\n  two\n\n  three \\\n  four\"\n") == ["a": "one two\nthree four"])
        #expect(try parse("a: 'x\n  y'\n") == ["a": "x y"])
        #expect(yamlError(#"a: "\q""#)?.message.containsLiteral("invalid escape") == true)
        #expect(yamlError(#"a: "\uD800""#)?.message.containsLiteral("not a Unicode scalar") == true)
    }

    @Test func blockScalarsWithChompingAndIndentation() throws {
        #expect(try parse("a: |\n  x\n   y\n\nb: 1\n") == ["a": "x\n y\n", "b": 1])
        #expect(try parse("a: |-\n  x\n\n") == ["a": "x"])
        #expect(try parse("a: |+\n  x\n\n\nb: 1\n") == ["a": "x\n\n\n", "b": 1])
        #expect(try parse("a: >\n  x\n  y\n\n  z\n    deeper\n  w\n") == ["a": "x y\nz\n  deeper\nw\n"])
        #expect(try parse("a: >-\n  x\n  y\n") == ["a": "x y"])
        #expect(try parse("a: |2\n    lead\n  base\n") == ["a": "  lead\nbase\n"])
        #expect(try parse("a: |-2\n    lead\n") == ["a": "  lead"])
        #expect(try parse("- |\n  in seq\n- next\n") == ["in seq\n", "next"])
        #expect(try parse("a: |\n  no final newline") == ["a": "no final newline"])
        #expect(try parse("a: |\nb: 1\n") == ["a": "", "b": 1])
    }

    @Test func commentsDirectivesAndMarkers() throws {
        #expect(try parse("# only a comment\n") == nil)
        #expect(try parse("") == nil)
        #expect(try parse("%YAML 1.2\n%TAG !e! tag:example.com:\n---\na: 1 # c\n...\n# trailing\n") == ["a": 1])
        #expect(try parse("--- [1, 2]\n") == [1, 2])
        #expect(try parse("--- |\n  text\n") == "text\n")
        #expect(try parse("---\n- a\n") == ["a"])
        #expect(try parse("\u{FEFF}a: 1\n") == ["a": 1])
        #expect(try parse("a: 1\r\nb:\r\n  - x\r\n") == ["a": 1, "b": ["x"]])
    }

    @Test func severalDocumentsAreRefusedWithTheirCount() throws {
        let error = try #require(yamlError("a: 1\n---\nb: 2\n---\nc: 3\n"))
        #expect(error.code == .config)
        #expect(error.message.containsLiteral("3 YAML documents"))
        #expect(error.details["line"] == 2)
        #expect(error.details["documents"] == 3)
        #expect(yamlError("a: 1\n...\nb: 2\n")?.message.containsLiteral("2 YAML documents") == true)
    }

    @Test func anchorsAliasesAndMergeKeys() throws {
        let text = """
            base: &base
              timeout: 30
              env: {A: "1"}
            extra: &extra {retries: 2}
            one:
              <<: *base
              command: x
            two:
              <<: [*extra, *base]
              timeout: 60
            copy: *base
            """
        let value = try parse(text)
        #expect(value["one"] == ["timeout": 30, "env": ["A": "1"], "command": "x"])
        #expect(value["two"] == ["retries": 2, "timeout": 60, "env": ["A": "1"]])
        #expect(value["copy"] == value["base"])
        #expect(try parse("a: &x [1]\nb: *x\n") == ["a": [1], "b": [1]])
        #expect(try parse("'<<': literal\n") == ["<<": "literal"])
        #expect(yamlError("a: *missing\n")?.message.containsLiteral("unknown alias '*missing'") == true)
        #expect(yamlError("a:\n  <<: 3\n")?.message.containsLiteral("merge key") == true)
    }

    @Test func mergedAndAliasedNodesAreLocatedWhereTheyWereWritten() throws {
        let document = try YAMLParser.parse("base: &b\n  x: 1\n  y: [a]\nm:\n  <<: *b\n  x: 2\nc: *b\n")
        #expect(document.locations[ConfigPath([.key("m"), .key("y")])]?.line == 3)
        #expect(document.locations[ConfigPath([.key("m"), .key("y"), .index(0)])]?.column == 7)
        #expect(document.locations[ConfigPath([.key("m"), .key("x")])]?.line == 6)
        #expect(document.locations[ConfigPath([.key("c"), .key("x")])]?.line == 2)
        #expect(document.locations[ConfigPath([.key("c")])]?.line == 7)
        #expect(!document.locations.keys.contains { $0.description.containsLiteral("<<") })

        // An anchor inside a merge value, and an alias of a mapping that merged: both keep their positions.
        let nested = try YAMLParser.parse("m: &m\n  <<: &inner {q: 1}\n  x: 2\nr: *inner\ns: *m\n")
        #expect(nested.value == ["m": ["q": 1, "x": 2], "r": ["q": 1], "s": ["q": 1, "x": 2]])
        for path in ["m.q", "r.q", "s.q"] {
            let components = path.split(separator: ".").map { PathComponent.key(String($0)) }
            #expect(nested.locations[ConfigPath(components)]?.description == "2:15", "\(path)")
        }
        #expect(nested.locations[ConfigPath([.key("s"), .key("x")])]?.description == "3:3")
        #expect(!nested.locations.keys.contains { $0.description.containsLiteral("<<") })
    }

    @Test func explicitKeys() throws {
        #expect(try parse("? a\n: 1\n? b\nc: 2\n") == ["a": 1, "b": nil, "c": 2])
        #expect(try parse("? |\n  block\n: v\n") == ["block\n": "v"])
        #expect(try parse("{? a : 1, b}") == ["a": 1, "b": nil])
        #expect(yamlError("? [a]\n: 1\n")?.message.containsLiteral("cannot be a key") == true)
    }

    @Test func flowCollections() throws {
        #expect(try parse("[a, 'b', \"c\", [d], {e: f}, ]") == ["a", "b", "c", ["d"], ["e": "f"]])
        #expect(try parse("{a: 1, b: [x, y], \"c\":2, d}") == ["a": 1, "b": ["x", "y"], "c": 2, "d": nil])
        #expect(try parse("k: [a: 1, b]\n") == ["k": [["a": 1], "b"]])
        #expect(try parse("k: [\n  one,  # first\n  two\n]\n") == ["k": ["one", "two"]])
        #expect(try parse("[a:b, http://x]") == ["a:b", "http://x"])
        // Brackets inside quoted scalars do not close a flow collection (found by the PyYAML cross-check).
        #expect(try parse("{'a}: b': 1, \"c]\": 2}\n") == ["a}: b": 1, "c]": 2])
        #expect(try parse("- {'x}': 1}\n- ['y]', 'it''s]']\n") == [["x}": 1], ["y]", "it's]"]])
        #expect(yamlError("[a, b")?.message.containsLiteral("missing ']'") == true)
        #expect(yamlError("{a: 1 b: 2}") != nil)
    }

    @Test func coreSchema() throws {
        let value = try parse("""
            n: [null, Null, NULL, ~, !!null ]
            b: [true, True, TRUE, false, False, FALSE]
            s: [yes, no, on, off, y, n, nil, 1_000, 0b1, 12:30]
            i: [0, -7, +7, 0x1F, 0o17, 012]
            f: [1.5, -0.5, .5, 1., 1e3, 1.5E-2, +2.0]
            """)
        #expect(value["n"] == [nil, nil, nil, nil, nil])
        #expect(value["b"] == [true, true, true, false, false, false])
        #expect(value["s"] == ["yes", "no", "on", "off", "y", "n", "nil", "1_000", "0b1", "12:30"])
        #expect(value["i"] == [0, -7, 7, 31, 15, 12])
        #expect(value["f"] == [.double(1.5), .double(-0.5), .double(0.5), .double(1), .double(1000), .double(0.015), .double(2)])
        #expect(try parse("big: 99999999999999999999\n") == ["big": .double(1e20)])
        #expect(try parse("min: -9223372036854775808\n") == ["min": .int(Int64.min)])
        #expect(yamlError("h: 0x10000000000000000\n")?.message.containsLiteral("does not fit in 64 bits") == true)
        for special in [".inf", "-.inf", "+.Inf", ".nan", ".NaN", "1e999"] {
            let error = yamlError("timeout: \(special)\n")
            #expect(error?.message.containsLiteral("quote it") == true, "\(special)")
            #expect(error?.details["path"] == "timeout")
        }
        #expect(try parse("s: '.inf'\n") == ["s": ".inf"])
    }

    @Test func tags() throws {
        #expect(try parse("a: !!str 12\nb: !!int '7'\nc: !!float 2\nd: !!bool 'true'\ne: !!null ''\nf: ! 3\n")
            == ["a": "12", "b": 7, "c": .double(2), "d": true, "e": nil, "f": "3"])
        #expect(try parse("a: !!map {x: 1}\nb: !!seq\n- 1\nc: !<tag:yaml.org,2002:int> 5\n") == ["a": ["x": 1], "b": [1], "c": 5])
        #expect(try parse("%TAG !c! tag:yaml.org,2002:\n---\na: !c!str 1\n") == ["a": "1"])
        #expect(yamlError("a: !custom x\n")?.message.containsLiteral("unsupported tag '!custom'") == true)
        #expect(yamlError("a: !!int x\n")?.message.containsLiteral("not a valid !!int") == true)
        #expect(yamlError("a: !!binary aGk=\n") != nil)
        #expect(yamlError("a: !e!x 1\n")?.message.containsLiteral("undeclared tag handle") == true)
    }

    @Test func keysBecomeStrings() throws {
        #expect(try parse("1: a\n0x10: b\ntrue: c\n~: d\n1.5: e\n\"q\": f\n") == ["1": "a", "16": "b", "true": "c", "null": "d", "1.5": "e", "q": "f"])
        #expect(yamlError("1: a\n'1': b\n")?.message.containsLiteral("duplicate key '1'") == true)
        #expect(yamlError("{a: 1}: x\n")?.message.containsLiteral("cannot be a key") == true)
    }

    @Test func duplicateKeysNameTheKeyAndBothLines() throws {
        let error = try #require(yamlError("server:\n  cmd: a\n  args: []\n  cmd: b\n"))
        #expect(error.message.containsLiteral("duplicate key 'cmd'"))
        #expect(error.message.containsLiteral("line 2"))
        #expect(error.details["line"] == 4)
        #expect(error.details["column"] == 3)
        #expect(error.details["firstLine"] == 2)
        #expect(error.details["key"] == "cmd")
        #expect(yamlError("{a: 1, a: 2}")?.message.containsLiteral("duplicate key 'a'") == true)
    }

    @Test func tabsInIndentationAreRefusedAtTheirPosition() throws {
        let error = try #require(yamlError("a:\n\tb: 1\n"))
        #expect(error.message.containsLiteral("tab"))
        #expect(error.details["line"] == 2)
        #expect(error.details["column"] == 1)
        #expect(yamlError("a:\n  \tb: 1\n")?.details["line"] == 2)
        #expect(yamlError("a: |\n  x\n\tb: 1\n")?.message.containsLiteral("tab character") == true)
        // Tabs as separators and inside values are fine.
        #expect(try parse("a:\tb\nc: \"x\ty\"\n") == ["a": "b", "c": "x\ty"])
    }

    @Test func errorsCarryLineColumnAndACaretExcerpt() throws {
        let cases: [(text: String, substring: String, line: Int, column: Int)] = [
            ("a: \"1\"\n b: 2\n", "unexpected indentation", 2, 2),
            ("a: 1\n b: 2\n", "unexpected ':'", 2, 3),
            ("a: b: c\n", "unexpected ':'", 1, 5),
            ("- a\nb: c\n", "unexpected content", 2, 1),
            ("a:\n  - x\n  y: 1\n", "unexpected indentation", 3, 3),
            ("a: 1\nplain\n", "expected 'key: value'", 2, 1),
            ("a: \"open\n", "unterminated double-quoted", 1, 4),
            ("a: 'open\n", "unterminated single-quoted", 1, 4),
            ("a: [1, 2\n", "missing ']'", 1, 4),
            ("a: {x: 1\n", "missing '}'", 1, 4),
            ("a: \"x\" y\n", "unexpected text after the value", 1, 8),
            ("a: - b\n", "cannot start here", 1, 4),
            ("a: @x\n", "unexpected character '@'", 1, 4),
            ("a: 1\u{1}\n", "control character", 1, 5),
            ("a: 1\rb: 2\n", "carriage return", 1, 5),
            ("a: \"\\x4\"\n", "hex digits", 1, 5),
            ("k: |0\n x\n", "indentation indicator", 1, 5),
            ("k: | x\n", "after the block scalar header", 1, 6),
            ("a: *\n", "needs a name", 1, 4),
            ("%YAML 2.0\n---\na: 1\n", "unsupported YAML version", 1, 1),
            ("%YAML 1.2\na: 1\n", "must be followed by a '---'", 2, 1),
            ("a: 1 #ok\nb: \"x\"#bad\n", "whitespace before '#'", 2, 7),
            ("a: &x\n  - *x\n", "unknown alias", 2, 5),
        ]
        for item in cases {
            let error = yamlError(item.text)
            #expect(error?.code == .config, "\(item.text.debugDescription)")
            #expect(error?.message.containsLiteral(item.substring) == true, "\(item.text.debugDescription): \(error?.message ?? "parsed")")
            #expect(error?.details["line"] == .int(Int64(item.line)), "\(item.text.debugDescription): \(error?.message ?? "")")
            #expect(error?.details["column"] == .int(Int64(item.column)), "\(item.text.debugDescription): \(error?.message ?? "")")
            let excerpt = error?.details["excerpt"]?.stringValue ?? ""
            #expect(excerpt.hasSuffix(String(repeating: " ", count: item.column - 1) + "^"), "\(excerpt)")
        }
    }

    @Test func locationsPointAtKeysAndItemStarts() throws {
        let document = try YAMLParser.parse("mcpServers:\n  git:\n    args:\n      - one\n      - {x: 1}\n")
        #expect(document.locations[ConfigPath()]?.description == "1:1")
        #expect(document.location(of: ConfigPath([.key("mcpServers"), .key("git")]))?.description == "2:3")
        #expect(document.location(of: ConfigPath([.key("mcpServers"), .key("git"), .key("args"), .index(1)]))?.description == "5:9")
        #expect(document.location(of: ConfigPath([.key("mcpServers"), .key("git"), .key("args"), .index(1), .key("x")]))?.description == "5:10")
        let located = try #require(document.location(of: ConfigPath([.key("mcpServers"), .key("git"), .key("args"), .index(0)])))
        #expect(document.excerpt(at: located) == "      - one\n        ^")
        #expect(located.offset == 37)
    }
}

@Suite struct YAMLLimitTests {
    @Test func billionLaughsFailsFast() throws {
        var text = "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
        var previous = "a"
        for name in ["b", "c", "d", "e", "f", "g", "h", "i"] {
            text += "\(name): &\(name) [" + Array(repeating: "*\(previous)", count: 9).joined(separator: ",") + "]\n"
            previous = name
        }
        let clock = ContinuousClock()
        let start = clock.now
        let error = try #require(yamlError(text))
        #expect(clock.now - start < .seconds(5))
        #expect(error.message.containsLiteral("alias bomb"))
        #expect(yamlError(text, limits: YAMLParser.Limits(maxAliasNodes: 100))?.details["limit"] == 100)
    }

    @Test func deepNestingIsRefusedNotACrash() throws {
        let flow = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(yamlError(flow)?.message.containsLiteral("deeper than 256") == true)
        let flowMaps = String(repeating: "{a: ", count: 10_000) + String(repeating: "}", count: 10_000)
        #expect(yamlError(flowMaps)?.message.containsLiteral("deeper than 256") == true)
        let dashes = String(repeating: "- ", count: 10_000) + "x\n"
        #expect(yamlError(dashes)?.message.containsLiteral("deeper than 256") == true)
        var block = ""
        for level in 0..<1_000 { block += String(repeating: " ", count: level) + "k:\n" }
        #expect(yamlError(block)?.message.containsLiteral("deeper than 256") == true)
        // Exactly at the limit is fine.
        let atLimit = String(repeating: "[", count: 256) + String(repeating: "]", count: 256)
        #expect(yamlError(atLimit) == nil)
        #expect(yamlError("[[[1]]]", limits: YAMLParser.Limits(maxDepth: 2)) != nil)
    }

    /// Parses on a thread with a small stack: deep nesting must end in an error (or a value), never a crash.
    /// 96 KB: eight levels used to go unchecked, 87 KB of debug frames (more under ThreadSanitizer, which overflowed
    /// 128 KB), so the guard now checks every level and keeps half of a small stack.
    @Test(arguments: [96, 128, 512])
    func deepNestingOnASmallThreadStackFailsCleanly(kilobytes: Int) throws {
        var block = ""
        for level in 0..<255 { block += String(repeating: " ", count: level) + "k:\n" }
        for text in [block, String(repeating: "[", count: 256) + String(repeating: "]", count: 256), String(repeating: "- ", count: 256) + "x"] {
            let outcome = onThread(stackBytes: kilobytes << 10) { () -> String in
                do throws(MCPError) {
                    _ = try YAMLParser.parse(text)
                    return "parsed"
                } catch {
                    return error.message
                }
            }
            #expect(outcome == "parsed" || outcome.containsLiteral("too deeply for the calling thread's stack"), "\(outcome)")
        }
    }

    @Test func hugeInputIsRefusedBeforeParsing() throws {
        let big = String(repeating: "a: 1\n", count: (9 << 20) / 5)
        let error = try #require(yamlError(big))
        #expect(error.message.containsLiteral("limit is 8388608"))
        #expect(try parse("a: 1\n", limits: YAMLParser.Limits(maxInputBytes: 5)) == ["a": 1])
        #expect(yamlError("a: 12\n", limits: YAMLParser.Limits(maxInputBytes: 5)) != nil)
    }

    @Test func largeFlatDocumentParsesLinearly() throws {
        var text = ""
        for index in 0..<20_000 { text += "key\(index): [value, \(index)]\n" }
        let clock = ContinuousClock()
        let start = clock.now
        let document = try YAMLParser.parse(text)
        #expect(clock.now - start < .seconds(5))
        #expect(document.value.objectValue?.count == 20_000)
        #expect(document.locations.count == 60_001)
    }

    @Test func longLinesDoNotMakeLocationsQuadratic() throws {
        let items = (0..<100_000).map { "\"é\($0)\"" }.joined(separator: ",")
        let clock = ContinuousClock()
        var start = clock.now
        let yaml = try YAMLParser.parse("[" + items + "]")
        #expect(clock.now - start < .seconds(10))
        #expect(yaml.locations[ConfigPath([.index(99_999)])]?.column == 1 + (yaml.locations[ConfigPath([.index(99_999)])]?.offset ?? 0) - 99_999)
        start = clock.now
        let json = try SourceDocument.parseJSON("[" + items + "]")
        #expect(clock.now - start < .seconds(10))
        #expect(json.locations == yaml.locations)
    }

    @Test func librechatParsesQuickly() throws {
        let text = try #require(fixtureText("yaml-cases/librechat.yaml"))
        _ = try YAMLParser.parse(text)
        let clock = ContinuousClock()
        let start = clock.now
        for _ in 0..<100 { _ = try YAMLParser.parse(text) }
        let perParse = (clock.now - start) / 100
        // Debug builds are several times slower than release; the release figure is in docs/config-yaml.md.
        #expect(perParse < .milliseconds(5), "\(perParse)")
    }
}
