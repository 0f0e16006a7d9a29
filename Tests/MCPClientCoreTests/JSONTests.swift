import MCPClientCore
import Testing

@Suite struct JSONParserTests {
    @Test func parsesEveryValueKindAndKeepsKeyOrder() throws {
        let value = try JSONParser.parse(#" {"z":1,"a":[true,false,null],"m":{"x":-2.5e3,"s":"hi"}} "#)
        #expect(value["z"] == .int(1))
        #expect(value["a"] == [true, false, nil])
        #expect(value["m"]?["x"] == .double(-2500))
        #expect(value["m"]?["s"] == "hi")
        #expect(value.objectValue?.keys == ["z", "a", "m"])
        #expect(value.jsonString == #"{"z":1,"a":[true,false,null],"m":{"x":-2500,"s":"hi"}}"#)
    }

    @Test func decodesEscapesAndSurrogatePairs() throws {
        let value = try JSONParser.parse(#""a\"b\\c\/d\b\f\n\r\t\u00e9\ud83d\ude00""#)
        #expect(value == .string("a\"b\\c/d\u{8}\u{c}\n\r\té😀"))
    }

    @Test func integersKeepFullRangeAndOverflowBecomesDouble() throws {
        #expect(try JSONParser.parse("9223372036854775807") == .int(Int64.max))
        #expect(try JSONParser.parse("-9223372036854775808") == .int(Int64.min))
        #expect(try JSONParser.parse("9223372036854775808") == .double(9223372036854775808))
        #expect(try JSONParser.parse("1E2") == .double(100))
    }

    @Test(arguments: [
        "", "{", "[1,]", "{\"a\":1,}", "01", "1.", "-", "+1", "NaN", "Infinity", "tru", "\"abc", "\"a\u{01}b\"",
        "{'a':1}", "[1 2]", "{\"a\" 1}", "\"\\x\"", "\"\\ud800\"", "\"\\udc00x\"", "1 2", "// c\n1",
    ])
    func rejectsInvalidDocuments(_ text: String) {
        #expect(throws: JSONParseError.self) { try JSONParser.parse(text) }
    }

    @Test func rejectsInvalidUTF8InStrings() {
        let bytes: [UInt8] = [0x22, 0xC3, 0x28, 0x22]
        #expect(throws: JSONParseError.self) { try JSONParser.parse(bytes) }
    }

    @Test func boundsNestingDepth() throws {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        let error = #expect(throws: JSONParseError.self) { try JSONParser.parse(deep) }
        #expect(error?.message.contains("nesting") == true)
        _ = try JSONParser.parse(String(repeating: "[", count: 200) + String(repeating: "]", count: 200))
    }

    @Test func reportsLineAndColumn() {
        let error = #expect(throws: JSONParseError.self) { try JSONParser.parse("{\n  \"a\": 1,\n  \"b\": ?\n}") }
        #expect(error?.line == 3)
        #expect(error?.column == 8)
    }
}

@Suite struct JSONWriterTests {
    @Test func escapesControlCharactersQuotesAndBackslashes() {
        let text = JSONValue.string("a\"b\\c\n\u{0}\u{1f}é").jsonString
        #expect(text == #""a\"b\\c\n\u0000\u001fé""#)
        #expect(!text.contains("\n"))
    }

    @Test func roundTripsThroughTheParser() throws {
        let original: JSONValue = ["s": "line\nbreak \u{2028} 😀", "i": .int(-42), "d": 0.125, "big": 1e300, "n": nil, "a": [1, [2, [3]]], "e": [:]]
        #expect(try JSONParser.parse(original.jsonString) == original)
    }

    /// The writer and parser look at eight bytes at a time: every special byte, at every offset of strings longer
    /// than a word, must still be found (escaped, rejected, or validated as UTF-8).
    @Test func specialBytesAreFoundAtEveryOffset() throws {
        let specials: [(Character, String)] = [("\"", #"\""#), ("\\", #"\\"#), ("\n", #"\n"#), ("\u{1}", #"\u0001"#), ("\u{1f}", #"\u001f"#)]
        for length in [7, 8, 9, 15, 16, 17, 31] {
            for offset in 0..<length {
                for (special, escaped) in specials {
                    var text = String(repeating: "a", count: length)
                    text.replaceSubrange(text.index(text.startIndex, offsetBy: offset)...text.index(text.startIndex, offsetBy: offset), with: String(special))
                    let written = JSONValue.string(text).jsonString
                    #expect(written == "\"" + String(repeating: "a", count: offset) + escaped + String(repeating: "a", count: length - offset - 1) + "\"")
                    #expect(try JSONParser.parse(written) == .string(text))
                }
                // Non-ASCII and invalid UTF-8 inside a long run.
                var bytes = Array(String(repeating: "b", count: length).utf8)
                bytes.insert(contentsOf: [0xC3, 0xA9], at: offset)
                let valid = [0x22] + bytes + [0x22]
                #expect(try JSONParser.parse(valid) == .string(String(decoding: bytes, as: UTF8.self)))
                var invalid = valid
                invalid[offset + 2] = 0x28  // a lead byte without its continuation
                #expect(throws: JSONParseError.self) { try JSONParser.parse(invalid) }
                var control = Array(String(repeating: "c", count: length).utf8)
                control[offset] = 0x01
                #expect(throws: JSONParseError.self) { try JSONParser.parse([0x22] + control + [0x22]) }
            }
        }
    }

    @Test func commonKeysAndIntegersRoundTrip() throws {
        let text = #"{"jsonrpc":"2.0","id":-9223372036854775808,"result":{"content":[{"type":"text","text":"id"}],"isError":false,"resultType":"complete","structuredContent":{"code":0,"data":null,"name":"version","message":"_meta","error":"params","method":"x"}}}"#
        let value = try JSONParser.parse(text)
        #expect(value.jsonString == text)
        #expect(value["result"]?["structuredContent"]?["name"] == "version")
        var writer = JSONWriter(capacity: 1)  // grows from the smallest buffer
        writer.write(value)
        #expect(writer.bytes == Array(text.utf8))
        #expect(JSONValue.int(0).jsonString == "0")
        #expect(JSONValue.int(Int64.max).jsonString == "9223372036854775807")
        #expect(JSONValue.double(-3).jsonString == "-3")
    }

    @Test func nonFiniteDoublesBecomeNull() {
        #expect(JSONValue.double(.nan).jsonString == "null")
        #expect(JSONValue.double(.infinity).jsonString == "null")
    }
}

@Suite struct JSONPassThroughTests {
    private func written(_ value: JSONValue, copying passThrough: JSONPassThrough?) -> String {
        var writer = JSONWriter()
        writer.copying(passThrough)
        writer.write(value)
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    @Test func aCompactResultIsWrittenAsItCame() throws {
        let result = #"{"content":[{"type":"text","text":"héllo 😀"}],"n":-5,"big":9223372036854775807,"o":{},"a":[],"z":null,"t":true}"#
        let response = #"{"jsonrpc":"2.0","id":7,"result":"# + result + "}"
        let (value, passThrough) = try JSONParser.parseResponse(Array(response.utf8))
        #expect(passThrough != nil)
        let payload: JSONValue = ["version": 1, "result": value["result"] ?? nil]
        let copied = written(payload, copying: passThrough)
        #expect(copied == written(payload, copying: nil))
        #expect(copied.hasSuffix(#""result":"# + result + "}"))
    }

    @Test(arguments: [
        #"{"jsonrpc":"2.0","id":1,"result":{"a": 1}}"#, #"{"jsonrpc":"2.0","id":1,"result":{"a":"\u0041"}}"#,
        #"{"jsonrpc":"2.0","id":1,"result":{"a":"\/"}}"#,
        #"{"jsonrpc":"2.0","id":1,"result":{"a":1.50}}"#, #"{"jsonrpc":"2.0","id":1,"result":{"a":-0}}"#,
        #"{"jsonrpc":"2.0","id":1,"result":{"a":1.0}}"#, #"{"jsonrpc":"2.0","id":1,"result":{"a":"\u000a"}}"#,
        #"{"jsonrpc":"2.0","id":1,"result":{"a":"\u001B"}}"#, #"{"jsonrpc":"2.0","id":1,"result":{"a":"\ud83d\ude00"}}"#,
        #"{"jsonrpc":"2.0","id":1,"result":{"a":1e2}}"#, #"{"jsonrpc":"2.0","id":1,"result":{"a":[1 ]}}"#,
        #"{"jsonrpc":"2.0","id":1,"result":{"a":99999999999999999999}}"#,
        #"{"jsonrpc":"2.0","id":1,"result":{"a": 1},"result":{"b":2}}"#,
        #"{"jsonrpc":"2.0","id":1,"result":[1]}"#, #"{"jsonrpc":"2.0","id":1,"result":{}}"#, #"[{"result":{"a":1}}]"#,
    ])
    func onlyWhatTheWriterWouldWriteIsKept(_ response: String) throws {
        let (value, passThrough) = try JSONParser.parseResponse(Array(response.utf8))
        #expect(passThrough == nil)
        #expect(try JSONParser.parse(response).jsonString == value.jsonString)  // (== cannot compare duplicate keys)
    }

    @Test func aChangedOrRebuiltResultIsSerializedAgain() throws {
        let (value, passThrough) = try JSONParser.parseResponse(Array(#"{"jsonrpc":"2.0","id":1,"result":{"a":1,"b":[2]}}"#.utf8))
        guard case .object(var changed) = value["result"] else { Issue.record("no result"); return }
        changed["a"] = 2
        #expect(written(.object(changed), copying: passThrough) == #"{"a":2,"b":[2]}"#)
        let rebuilt = JSONValue.object(JSONObject(value["result"]?.objectValue?.entries.reversed() ?? []))
        #expect(written(rebuilt, copying: passThrough) == #"{"b":[2],"a":1}"#)
        #expect(written(value["result"] ?? nil, copying: passThrough) == #"{"a":1,"b":[2]}"#)
    }

    @Test func anAppendedObjectIsWrittenAsTheSerializerWould() throws {
        let constant = JSONPassThrough(["v": "2026-07-28", "info": ["name": "c\"q", "n": 1], "caps": [:]])
        let extended = try #require(constant.appending(["progressToken": 7, "x": ["deep": [1, "two"]]]))
        let meta = try #require(extended.object)
        #expect(meta.keys == ["v", "info", "caps", "progressToken", "x"])
        let params: JSONValue = ["name": "echo", "_meta": .object(meta)]
        let copied = written(params, copying: extended)
        #expect(copied == written(params, copying: nil))
        #expect(copied == #"{"name":"echo","_meta":{"v":"2026-07-28","info":{"name":"c\"q","n":1},"caps":{},"progressToken":7,"x":{"deep":[1,"two"]}}}"#)
        var changed = meta
        changed["progressToken"] = 8  // a copy changed on the way is serialized, not copied
        #expect(written(.object(changed), copying: extended) == written(.object(changed), copying: nil))
        #expect(written(.object(changed), copying: extended).contains("\"progressToken\":8"))
    }

    @Test func appendingRefusesWhatCouldNotBeTheseBytes() throws {
        let constant = JSONPassThrough(["a": 1])
        #expect(constant.appending(["a": 2]) == nil)  // a key it has
        #expect(constant.appending([:]) == nil)
        #expect(JSONPassThrough([:]).appending(["a": 1]) == nil)
        #expect(try #require(constant.appending(["b": 2])).appending(["c": 3]) == nil)
    }

    @Test func aStashIsTakenOnceOnItsOwnThread() throws {
        let (_, passThrough) = try JSONParser.parseResponse(Array(#"{"id":1,"result":{"a":1}}"#.utf8))
        JSONPassThrough.stash(passThrough)
        #expect(JSONPassThrough.take() != nil)
        #expect(JSONPassThrough.take() == nil)
    }
}

@Suite struct MCPErrorTests {
    @Test func errorJSONHasTheStableShape() throws {
        let error = MCPError.peer(code: -32602, message: "bad params", data: ["field": "x"])
        let json = error.json
        #expect(json["version"] == 1)
        #expect(json["code"] == .int(Int64(MCPError.Code.protocolError.rawValue)))
        #expect(json["name"] == "MCP_ERR_PROTOCOL")
        #expect(json["source"] == "peer")
        #expect(json["details"]?["rpc"]?["code"] == -32602)
        #expect(error.rpcCode == -32602)
    }

    @Test func codesAreUniqueAndAppendOnly() {
        let raw = MCPError.Code.all.map(\.rawValue)
        #expect(Set(raw).count == raw.count)
        #expect(raw == Array((-16)...(-1)).reversed())
    }

    @Test func waiterTimesOutAndResolvesOnce() {
        let waiter = Waiter<Int>()
        #expect(waiter.wait(timeoutNanoseconds: 1_000_000) == nil)
        #expect(waiter.resolve(1))
        #expect(!waiter.resolve(2))
        #expect(waiter.wait(timeoutNanoseconds: nil) == 1)
    }
}

@Suite struct UTF8ValidationTests {
    @Test(arguments: [
        ([0x61], true), ([0xC3, 0xA9], true), ([0xE2, 0x82, 0xAC], true), ([0xF0, 0x9F, 0x98, 0x80], true),
        ([0xC0, 0x80], false), ([0xE0, 0x80, 0x80], false), ([0xED, 0xA0, 0x80], false), ([0xF4, 0x90, 0x80, 0x80], false),
        ([0xF5, 0x80, 0x80, 0x80], false), ([0xC3], false), ([0xE2, 0x82], false), ([0x80], false), ([0xC3, 0x28], false),
        ([0xE2, 0x28, 0xAC], false), ([0xF0, 0x9F, 0x98, 0x28], false),
    ] as [([UInt8], Bool)])
    func agreesWithTheStandardLibrary(bytes: [UInt8], valid: Bool) {
        #expect(bytes.withUnsafeBufferPointer { UTF8Validation.isValid($0) } == valid)
        #expect((String(validating: bytes, as: UTF8.self) != nil) == valid)
    }
}
