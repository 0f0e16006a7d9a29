import Testing

@testable import MCPClientCore

/// `JSONParser.parseResponse(_:shallowResult:)`: a result only passed on keeps its inner members as bytes.
@Suite struct JSONShallowResultTests {
    @Test func aShallowResultHasItsScalarsAndIsWrittenAsItCame() throws {
        let result = #"{"content":[{"type":"text","text":"héllo"}],"isError":false,"resultType":"complete","n":-5,"o":{"a":[1,{"b":null}]},"e":[],"s":"x"}"#
        let response = #"{"jsonrpc":"2.0","id":7,"result":"# + result + "}"
        let (value, passThrough) = try JSONParser.parseResponse(Array(response.utf8), shallowResult: true)
        let shallow = try #require(passThrough)
        #expect(shallow.isShallow)
        let object = try #require(value["result"]?.objectValue)
        #expect(object.keys == ["content", "isError", "resultType", "n", "o", "e", "s"])
        #expect(object["isError"] == false && object["resultType"] == "complete" && object["n"] == -5 && object["s"] == "x")
        #expect(object["content"] == .null && object["o"] == .null && object["e"] == .null)  // checked, not built
        #expect(value["id"] == 7 && value["jsonrpc"] == "2.0")
        let payload: JSONValue = ["version": 1, "result": value["result"] ?? nil]
        var writer = JSONWriter()
        writer.copying(shallow)
        writer.write(payload)
        let copied = writer.copiedPassThrough
        #expect(copied)
        #expect(String(decoding: writer.bytes, as: UTF8.self) == #"{"version":1,"result":"# + result + "}")
    }

    @Test func withoutShallowResultNothingIsSkipped() throws {
        let response = #"{"jsonrpc":"2.0","id":7,"result":{"content":[{"type":"text","text":"hi"}]}}"#
        let (value, passThrough) = try JSONParser.parseResponse(Array(response.utf8))
        #expect(passThrough?.isShallow == false)
        #expect(value == (try JSONParser.parse(response)))
    }

    @Test func deepenedReadsTheCurrentCallsShallowResultWhole() throws {
        let response = #"{"jsonrpc":"2.0","id":7,"result":{"content":[{"type":"text","text":"hi"}],"structuredContent":{"a":[1]}}}"#
        let (value, passThrough) = try JSONParser.parseResponse(Array(response.utf8), shallowResult: true)
        let shallow = try #require(value["result"])
        #expect(shallow["content"] == .null)
        #expect(JSONPassThrough.deepened(shallow)["content"] == .null)  // no blocking call: nothing to read it from
        let call = BlockingCall(started: 0, timeout: 1, hardLimit: 1)
        call.passThrough = passThrough
        let whole = BlockingCall.run(call) { JSONPassThrough.deepened(shallow) }
        #expect(whole == (try JSONParser.parse(response))["result"])
        let full = try #require(call.passThrough)  // the whole one replaced the shallow one, still copied as it came
        #expect(!full.isShallow && full.isSame(as: whole) && !full.isSame(as: shallow))
        let nested = BlockingCall(started: 0, timeout: 1, hardLimit: 1)
        call.passThrough = passThrough
        #expect(BlockingCall.run(call) { BlockingCall.run(nested) { JSONPassThrough.deepened(shallow) } }["content"] == .null)  // not its call's
    }

    @Test(arguments: [
        #"{"jsonrpc":"2.0","id":1,"result":{"a":[1 ]}}"#, #"{"jsonrpc":"2.0","id":1,"result":{"a":{"b":"\u0041"}}}"#,
        #"{"jsonrpc":"2.0","id":1,"result":{"a":[1.50],"b":2}}"#, #"{"jsonrpc":"2.0","id":1,"result":{"a":{"b":"q\/x"}}}"#,
        #"{"jsonrpc":"2.0","id":1,"result":{"a":[-0]}}"#, #"{"jsonrpc":"2.0","id":1,"result":{"a":[{"b":1.0}],"c":[[2]]}}"#,
        #"{"jsonrpc":"2.0","id":1,"result":{"a":["\u000a"]}}"#, #"{"jsonrpc":"2.0","id":1,"result":{"a":["\u001B"]}}"#,
        #"{"jsonrpc":"2.0","id":1,"result":{"a":["\u00e9"]}}"#, #"{"jsonrpc":"2.0","id":1,"result":{"a":["\ud83d\ude00"]}}"#,
        #"{"jsonrpc":"2.0","id":1,"result":{"a":[1e2]}}"#, #"{"jsonrpc":"2.0","id":1,"result":{ "a":[1]}}"#,
        #"{"jsonrpc":"2.0","id":1,"result":{"a":[1],"b":2.50}}"#, #"{"jsonrpc":"2.0","id":1,"result":{"a\/":[1]}}"#,
        #"{"jsonrpc":"2.0","id":1,"result":{"a": [1]}}"#, #"{"jsonrpc": "2.0", "id": 1, "result": {"a": 1, "b": {"c": 2}}}"#,
        #"{"jsonrpc":"2.0","id":1,"result":{"a":[1] ,"b":2}}"#, #"{"jsonrpc":"2.0","id":1,"result":{"a":[{"b" :1}]}}"#,
    ])
    func aShallowResultThatCannotBeCopiedIsReadWhole(_ response: String) throws {
        let (value, passThrough) = try JSONParser.parseResponse(Array(response.utf8), shallowResult: true)
        #expect(passThrough == nil)
        #expect(value == (try JSONParser.parse(response)))
    }

    /// What `JSONWriter` itself writes (its escapes, its spelling of a decimal) does not stop the shallow scan: such a
    /// result stays shallow and goes out byte for byte as the full path writes it.
    @Test(arguments: [
        #"{"content":[{"type":"text","text":"line one\nline \"two\"\tback\\slash"}],"isError":false}"#,
        #"{"content":[{"type":"text","text":"bell\u0007 esc\u001b us\u001f \b\f\r"}]}"#,
        #"{"structuredContent":{"city":"Oslo","temperature":21.5,"conditions":"sunny"},"content":[]}"#,
        #"{"a":[0.1,-2.75,1e-07,1.5e+300,1000000000000000.0,2.5e+20,123456.789],"b":{"x\"y":"\\"}}"#,
        #"{"t":21.5,"s":"top \"level\"\n","n":[1]}"#,
        #"{"k\n":[{"deep":[[["\"q\""]]]}],"d":-0.5}"#,
    ])
    func writerSpelledEscapesAndDecimalsStayShallowAndGoOutAsTheFullPathWrites(_ result: String) throws {
        let response = Array((#"{"jsonrpc":"2.0","id":3,"result":"# + result + "}").utf8)
        let (value, passThrough) = try JSONParser.parseResponse(response, shallowResult: true)
        let shallow = try #require(passThrough)
        #expect(shallow.isShallow)
        let (full, fullPassThrough) = try JSONParser.parseResponse(response)
        #expect(fullPassThrough?.isShallow == false)  // the full path keeps the bytes too
        let fullBytes = JSONWriter.serialize(["result": full["result"] ?? nil])  // what the full path writes, serialized anew
        var writer = JSONWriter()
        writer.copying(shallow)
        writer.write(["result": value["result"] ?? nil])
        let copied = writer.copiedPassThrough, written = writer.bytes
        #expect(copied)
        #expect(written == fullBytes)
        #expect(String(decoding: written, as: UTF8.self) == #"{"result":"# + result + "}")
        // The scalars at the result's top level are read, and read as the full path reads them.
        for (key, member) in try #require(value["result"]?.objectValue).entries where member != .null {
            #expect(full["result"]?[key] == member)
        }
    }

    /// The same escapes and decimals in a result read without the shallow scan: still copied as they came.
    @Test func writerSpelledEscapesAndDecimalsAreKeptByTheFullReadToo() throws {
        let result = #"{"content":[{"type":"text","text":"a\nb \"c\" \\ \u001b"}],"t":21.5}"#
        let (value, passThrough) = try JSONParser.parseResponse(Array((#"{"id":1,"result":"# + result + "}").utf8))
        let kept = try #require(passThrough)
        #expect(!kept.isShallow)
        #expect(value["result"]?["content"]?.arrayValue?.first?["text"] == "a\nb \"c\" \\ \u{1b}")
        #expect(JSONWriter.string(value["result"] ?? nil) == result)
    }

    @Test(arguments: [
        #"{"id":1,"result":{"a":[1,}}"#, #"{"id":1,"result":{"a":{"b" 1}}}"#, #"{"id":1,"result":{"a":["\q"]}}"#,
        #"{"id":1,"result":{"a":{"b":"\#u{01}"}}}"#, #"{"id":1,"result":{"a":[tru]}}"#, #"{"id":1,"result":{"a":[01]}}"#,
        #"{"id":1,"result":{"a":{"b":"x"#, #"{"id":1,"result":{"a":[[[[1]]]]}}"#, #"{"id":1,"result":{"a":{"b":1}"#,
        #"{"id":1,"result":{"a":["\ud800"]}}"#, #"{"id":1,"result":{"a":["\n",tru]}}"#, #"{"id":1,"result":{"a":["\u00"]}}"#,
        #"{"id":1,"result":{"a":["\ud800\u0041"]}}"#, #"{"id":1,"result":{"a":["x\"#, #"{"id":1,"result":{"a":[1.50,tru]}}"#,
        #"{"id":1,"result":{"a":["\/",01]}}"#, #"{"id":1,"result":{"a":[1 ,{"b":[[[[1]]]]}]}}"#, #"{"id":1,"result":{"a":["\u001b\x"]}}"#,
        #"{"id":1,"result":{"a": [1,}}"#, #"{"id":1,"result":{"a": tru}}"#, #"{"id":1,"result":{"a":1 "b":2}}"#,
    ])
    func skippedMembersAreCheckedAsReadingThemWould(_ response: String) {
        let bytes = Array(response.utf8)
        let full = Result { () throws(JSONParseError) in try JSONParser.parseResponse(bytes, maxDepth: 4).0 }
        let shallow = Result { () throws(JSONParseError) in try JSONParser.parseResponse(bytes, maxDepth: 4, shallowResult: true).0 }
        guard case .failure(let expected) = full, case .failure(let got) = shallow else {
            Issue.record("accepted: \(response)")
            return
        }
        #expect(expected == got)
    }

    @Test func invalidUTF8InASkippedStringIsRefusedAlike() {
        var bytes = Array(#"{"id":1,"result":{"a":["xx"]}}"#.utf8)
        let at = bytes.firstIndex(of: UInt8(ascii: "x")) ?? 0
        bytes[at] = 0xC3  // a lead byte followed by 'x'
        let full = Result { () throws(JSONParseError) in try JSONParser.parseResponse(bytes).0 }
        let shallow = Result { () throws(JSONParseError) in try JSONParser.parseResponse(bytes, shallowResult: true).0 }
        guard case .failure(let expected) = full, case .failure(let got) = shallow else { Issue.record("accepted invalid UTF-8"); return }
        #expect(expected == got)
    }

    @Test func invalidUTF8AfterAnEscapeInASkippedStringIsRefusedAlike() {
        var bytes = Array(#"{"id":1,"result":{"a":["\n\"xx"]}}"#.utf8)
        let at = bytes.firstIndex(of: UInt8(ascii: "x")) ?? 0
        bytes[at] = 0xE2  // a three-byte lead followed by 'x'
        let full = Result { () throws(JSONParseError) in try JSONParser.parseResponse(bytes).0 }
        let shallow = Result { () throws(JSONParseError) in try JSONParser.parseResponse(bytes, shallowResult: true).0 }
        guard case .failure(let expected) = full, case .failure(let got) = shallow else { Issue.record("accepted invalid UTF-8"); return }
        #expect(expected == got)
    }
}
