import MCPClientConfig
import MCPClientCore
import MCPClientTesting
import Testing

/// Strings that stress quoting: YAML indicators, schema look-alikes, blanks, breaks, escapes, non-ASCII.
let trickyStrings: [String] = [
    "", " ", "  lead", "trail ", "\t", "true", "True", "false", "null", "Null", "~", "yes", "no", "1", "-1", "+1", "0x1F",
    "0o7", "1.5", "1e3", ".inf", "-.inf", ".nan", ".5", "1.", "- item", "-", "-x", "? q", "?x", ": c", ":x", "a: b", "a:b",
    "a #b", "a#b", "#c", "&a", "*a", "!tag", "|", ">", "'q'", "\"d\"", "%p", "@at", "`tick", "[x]", "{x}", ",", "---", "...",
    "--- x", "<<", "line1\nline2", "line1\nline2\n", "trailing\n\n", "\nleading", " indented\nblock", "\n", "\n\n",
    "  \nx", "a\r\nb", "bell\u{7}", "nul\u{0}", "é", "😀 emoji", "\u{85}nel", "\u{2028}", "\u{FEFF}bom", "tab\tinside",
    // Fuzzer finds: a leading combining mark joins the separating space into one Character.
    "\u{64C}\u{FFFD}gle ''quoted'' key'\u{FFFD}", "\u{301}x", " \u{301}\nx\n",
    "back\\slash", "quote ' and \"", "key: value # not a comment", "ends with colon:", "x\n  y\n", "\t\ttabs\nx",
]

func randomString(_ rng: inout SeededGenerator) -> String {
    if Int.random(in: 0..<3, using: &rng) == 0 { return trickyStrings[Int.random(in: 0..<trickyStrings.count, using: &rng)] }
    let alphabet: [Unicode.Scalar] = ["a", "b", "Z", "0", "9", " ", " ", "-", ":", "#", "'", "\"", "\\", "\n", "\t", ".", ",",
        "[", "}", "&", "*", "!", "|", ">", "%", "@", "é", "😀", "\u{1}", "\u{7F}", "\u{85}", "~", "?", "<"]
    var text = ""
    for _ in 0..<Int.random(in: 0..<12, using: &rng) { text.unicodeScalars.append(alphabet[Int.random(in: 0..<alphabet.count, using: &rng)]) }
    return text
}

func randomValue(_ rng: inout SeededGenerator, depth: Int) -> JSONValue {
    let kind = Int.random(in: 0..<(depth >= 5 ? 6 : 9), using: &rng)
    switch kind {
    case 0: return .null
    case 1: return .bool(Bool.random(using: &rng))
    case 2: return .int(Int64.random(in: Int64.min...Int64.max, using: &rng) >> UInt64.random(in: 0..<63, using: &rng))
    case 3:
        let choices: [Double] = [0, -0.0, 1, 1.5, -2.25, 1e20, 1e-7, 123456.789, Double.greatestFiniteMagnitude, Double.leastNonzeroMagnitude]
        return Bool.random(using: &rng) ? .double(choices[Int.random(in: 0..<choices.count, using: &rng)])
            : .double(Double.random(in: -1e6...1e6, using: &rng))
    case 4, 5: return .string(randomString(&rng))
    case 6, 7:
        var object = JSONObject()
        for _ in 0..<Int.random(in: 0..<5, using: &rng) { object[randomString(&rng)] = randomValue(&rng, depth: depth + 1) }
        return .object(object)
    default:
        return .array((0..<Int.random(in: 0..<5, using: &rng)).map { _ in randomValue(&rng, depth: depth + 1) })
    }
}

@Suite struct YAMLEmitterTests {
    @Test func writesReadableBlockStyle() {
        let value: JSONValue = [
            "mcpServers": [
                "fs": ["command": "npx", "args": ["-y", "@mcp/server-fs", "/tmp"], "env": [:], "timeout": 60000],
                "web": ["url": "http://localhost:3001/sse", "enabled": true, "ratio": 0.5, "note": "two\nlines\n"],
            ],
            "list": [["a": 1, "b": [1, 2]], [], "plain"],
        ]
        let expected = """
            mcpServers:
              fs:
                command: npx
                args:
                  - -y
                  - '@mcp/server-fs'
                  - /tmp
                env: {}
                timeout: 60000
              web:
                url: http://localhost:3001/sse
                enabled: true
                ratio: 0.5
                note: |
                  two
                  lines
            list:
              - a: 1
                b:
                  - 1
                  - 2
              - []
              - plain

            """
        #expect(YAMLEmitter.emit(value) == expected)
    }

    @Test func quotesWhatAPlainScalarWouldMisread() {
        #expect(YAMLEmitter.emit(["a": "true", "b": "null", "c": "~", "d": "12", "e": "", "f": " x", "g": "a: b", "h": "a #b",
            "i": "*x", "j": "it's", "k": "bell\u{7}", "l": "yes", "<<": "m"]) == """
            a: 'true'
            b: 'null'
            c: '~'
            d: '12'
            e: ''
            f: ' x'
            g: 'a: b'
            h: 'a #b'
            i: '*x'
            j: it's
            k: "bell\\x07"
            l: yes
            '<<': m

            """)
        #expect(YAMLEmitter.emit("x") == "x\n")
        #expect(YAMLEmitter.emit(.double(2)) == "2.0\n")
        #expect(YAMLEmitter.emit([]) == "[]\n")
        #expect(YAMLEmitter.emit(["k": " lead\nnext"]) == "k: |2-\n   lead\n  next\n")
    }

    @Test(arguments: trickyStrings)
    func trickyStringsRoundTrip(text: String) throws {
        for value: JSONValue in [.string(text), ["key": .string(text)], [.string(text)], .object(JSONObject([(key: text, value: 1)]))] {
            let yaml = YAMLEmitter.emit(value)
            #expect(try YAMLParser.parse(yaml).value == value, "\(yaml.debugDescription)")
        }
    }

    @Test func randomValuesRoundTrip() throws {
        var rng = SeededGenerator(seed: 0x5EED)
        for round in 0..<3_000 {
            let value = randomValue(&rng, depth: 0)
            let yaml = YAMLEmitter.emit(value)
            let parsed: JSONValue
            do {
                parsed = try YAMLParser.parse(yaml).value
            } catch {
                Issue.record("round \(round): \(error.message)\n\(yaml)")
                return
            }
            #expect(parsed == value, "round \(round):\n\(yaml)")
            if parsed != value { return }
        }
    }
}
