import MCPClientCore
import Testing

/// JSONObject equality, after the oauth fuzzer (fuzz/oauth) found metadata with a repeated key that did not equal
/// itself once written and read back.
@Suite struct JSONObjectEqualityTests {
    @Test func anObjectWithARepeatedKeyEqualsItself() throws {
        // The fuzzer's input, cut down: authorization server metadata listing a member twice.
        let text = #"{"issuer":"https://as.example.com","response_types_supported":["code"],"response_types_supported":["x"]}"#
        let value = try JSONParser.parse(text)
        #expect(value == value)
        #expect(try JSONParser.parse(JSONWriter.serialize(value)) == value)
    }

    @Test func keyOrderDoesNotMatterButTheOrderOfARepeatedKeysValuesDoes() throws {
        #expect(try JSONParser.parse(#"{"a":1,"b":2}"#) == JSONParser.parse(#"{"b":2,"a":1}"#))
        #expect(try JSONParser.parse(#"{"a":1,"b":2,"a":3}"#) == JSONParser.parse(#"{"b":2,"a":1,"a":3}"#))
        #expect(try JSONParser.parse(#"{"a":1,"a":3}"#) != JSONParser.parse(#"{"a":3,"a":1}"#))
        // Was true one way and false the other.
        #expect(try JSONParser.parse(#"{"a":1,"a":1}"#) != JSONParser.parse(#"{"a":1,"a":2}"#))
        #expect(try JSONParser.parse(#"{"a":1,"a":2}"#) != JSONParser.parse(#"{"a":1,"a":1}"#))
        #expect(try JSONParser.parse(#"{"a":1,"b":1}"#) != JSONParser.parse(#"{"a":1,"a":1}"#))
    }

    /// A lookup per key made this 2.5 billion key comparisons.
    @Test(.timeLimit(.minutes(1))) func largeReorderedObjectsCompareInLinearTime() {
        let forward = JSONObject((0..<50_000).map { (key: "key\($0)", value: JSONValue.int(Int64($0))) })
        let backward = JSONObject(forward.entries.reversed())
        #expect(forward == backward)
        var changed = backward
        changed.entries[0].value = .int(-1)
        #expect(forward != changed)
    }
}
