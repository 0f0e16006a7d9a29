import MCPClientCore
import MCPClientProtocol
import Testing

private func schema(_ text: String, limits: JSONSchemaLimits = .init(), assertsFormat: Bool = false) throws -> JSONSchema {
    JSONSchema(try JSONParser.parse(text), limits: limits, assertsFormat: assertsFormat)
}

private func json(_ text: String) throws -> JSONValue { try JSONParser.parse(text) }

extension SchemaOutcome {
    var isValid: Bool { self == .valid }
    var violations: [SchemaViolation] { if case .invalid(let list) = self { list } else { [] } }
    var indeterminateReason: String? { if case .indeterminate(let reason) = self { reason } else { nil } }
}

@Suite struct JSONSchemaAssertionTests {
    @Test func typeTreatsIntegralDoublesAsIntegers() throws {
        let integer = try schema(#"{"type": "integer"}"#)
        #expect(integer.validate(1).isValid)
        #expect(integer.validate(.double(1.0)).isValid)
        #expect(integer.validate(.double(-3e10)).isValid)
        #expect(!integer.validate(.double(1.5)).isValid)
        #expect(!integer.validate("1").isValid)
        let number = try schema(#"{"type": ["number", "null"]}"#)
        #expect(number.validate(.double(1.5)).isValid)
        #expect(number.validate(7).isValid)
        #expect(number.validate(nil).isValid)
        #expect(!number.validate(true).isValid)
        let violation = try #require(integer.validate("x").violations.first)
        #expect(violation.instancePath == "")
        #expect(violation.keywordLocation == "/type")
        #expect(violation.message.contains("integer"))
    }

    @Test func constAndEnumUseJSONEquality() throws {
        let const = try schema(#"{"const": {"a": [1, 2.0], "b": null}}"#)
        #expect(const.validate(try json(#"{"b": null, "a": [1.0, 2]}"#)).isValid)
        #expect(!const.validate(try json(#"{"a": [1, 2]}"#)).isValid)
        #expect(!const.validate(try json(#"{"a": [1, 2], "b": false}"#)).isValid)
        let enumeration = try schema(#"{"enum": [1, "one", [true]]}"#)
        #expect(enumeration.validate(.double(1.0)).isValid)
        #expect(enumeration.validate([true]).isValid)
        #expect(!enumeration.validate([1]).isValid)
        #expect(!enumeration.validate(true).isValid)
        // Canonically equivalent but different code points: different JSON strings.
        #expect(try !schema(#"{"const": "\u00e9"}"#).validate("e\u{301}").isValid)
    }

    @Test func numericBounds() throws {
        let bounded = try schema(#"{"minimum": 1, "exclusiveMaximum": 10.5, "multipleOf": 0.5}"#)
        #expect(bounded.validate(1).isValid)
        #expect(bounded.validate(.double(10)).isValid)
        #expect(!bounded.validate(.double(10.5)).isValid)
        #expect(!bounded.validate(.double(0.5)).isValid)
        #expect(!bounded.validate(.double(2.25)).isValid)
        #expect(bounded.validate("not a number").isValid)  // numeric keywords ignore other types
        let fine = try schema(#"{"multipleOf": 0.0001}"#)
        #expect(fine.validate(.double(0.0075)).isValid)
        #expect(!fine.validate(.double(0.00751)).isValid)
        let huge = try schema(#"{"maximum": 9007199254740992}"#)
        #expect(!huge.validate(.int(9_007_199_254_740_993)).isValid)  // exact beyond 2^53
        #expect(try !schema(#"{"multipleOf": 0.123456789}"#).validate(.double(1e308)).isValid)
        #expect(try schema(#"{"multipleOf": 0.5}"#).validate(.double(1e308)).isValid)  // quotient overflows
        let both = try schema(#"{"exclusiveMinimum": 0, "maximum": 5}"#).validate(.double(-1))
        #expect(both.violations.map(\.keywordLocation) == ["/exclusiveMinimum"])
    }

    @Test func stringLengthsCountCodePoints() throws {
        let twoToThree = try schema(#"{"minLength": 2, "maxLength": 3}"#)
        #expect(!twoToThree.validate("😀").isValid)  // one code point, two UTF-16 units
        #expect(twoToThree.validate("😀😀").isValid)
        #expect(twoToThree.validate("e\u{301}").isValid)  // one grapheme, two code points
        #expect(!twoToThree.validate("abcd").isValid)
    }

    @Test func patternIsAnUnanchoredSearch() throws {
        let digits = try schema(#"{"pattern": "[0-9]{3}"}"#)
        #expect(digits.validate("abc123def").isValid)
        #expect(!digits.validate("ab12").isValid)
        #expect(try schema(#"{"pattern": "^a+$"}"#).validate("aaa").isValid)
        #expect(try !schema(#"{"pattern": "^a+$"}"#).validate("aab").isValid)
        // ECMA-262 \d is ASCII only.
        #expect(try !schema(#"{"pattern": "^\\d$"}"#).validate("٣").isValid)
        let broken = try schema(#"{"pattern": "(unclosed"}"#)
        #expect(broken.unsupportedReason?.contains("pattern") == true)
        #expect(broken.validate("x").indeterminateReason != nil)
    }

    @Test func formatIsAnAnnotationUnlessAsserted() throws {
        #expect(try schema(#"{"format": "email"}"#).validate("nope").isValid)
        let email = try schema(#"{"format": "email"}"#, assertsFormat: true)
        #expect(email.validate("joe.bloggs@example.com").isValid)
        #expect(!email.validate("joe@").isValid)
        #expect(!email.validate("two@@example.com").isValid)
        let uri = try schema(#"{"format": "uri"}"#, assertsFormat: true)
        #expect(uri.validate("https://example.com/a?b=c#d").isValid)
        #expect(!uri.validate("/relative/path").isValid)
        #expect(!uri.validate("https://exa mple.com").isValid)
        let date = try schema(#"{"format": "date"}"#, assertsFormat: true)
        #expect(date.validate("2024-02-29").isValid)
        #expect(!date.validate("2023-02-29").isValid)
        #expect(!date.validate("2024-1-01").isValid)
        let dateTime = try schema(#"{"format": "date-time"}"#, assertsFormat: true)
        #expect(dateTime.validate("1985-04-12T23:20:50.52Z").isValid)
        #expect(dateTime.validate("1996-12-19T16:39:57-08:00").isValid)
        #expect(!dateTime.validate("1996-12-19 16:39:57").isValid)
        #expect(!dateTime.validate("1996-12-19T25:00:00Z").isValid)
        #expect(dateTime.validate("1998-12-31T23:59:60Z").isValid)
        #expect(dateTime.validate("1998-12-31T15:59:60.123-08:00").isValid)  // 23:59:60 in UTC
        #expect(!dateTime.validate("1998-12-31T22:59:60Z").isValid)
        #expect(try schema(#"{"format": "ipv4"}"#, assertsFormat: true).validate("anything").isValid)  // unknown: annotation
    }
}

@Suite struct JSONSchemaApplicatorTests {
    @Test func objectKeywordsReportMemberPaths() throws {
        let person = try schema("""
            {"type": "object", "properties": {"name": {"type": "string"}, "age": {"type": "integer", "minimum": 0}},
             "patternProperties": {"^x-": {"type": "string"}}, "additionalProperties": false, "required": ["name"]}
            """)
        #expect(person.validate(try json(#"{"name": "Ada", "age": 36, "x-note": "hi"}"#)).isValid)
        let outcome = person.validate(try json(#"{"age": -1, "x-note": 3, "extra/field": true}"#))
        let violations = outcome.violations
        #expect(Set(violations.map(\.instancePath)) == ["/age", "/x-note", "/extra~1field", ""])
        #expect(violations.first { $0.instancePath == "/age" }?.keywordLocation == "/properties/age/minimum")
        #expect(violations.first { $0.instancePath == "/x-note" }?.keywordLocation == "/patternProperties/^x-/type")
        #expect(violations.first { $0.instancePath == "/extra~1field" }?.keywordLocation == "/additionalProperties")
        #expect(violations.first { $0.instancePath == "" }?.message == "missing required property \"name\"")
    }

    @Test func dependenciesNamesAndCounts() throws {
        let card = try schema("""
            {"dependentRequired": {"card": ["billing"]}, "dependentSchemas": {"vip": {"required": ["tier"]}},
             "propertyNames": {"maxLength": 7}, "minProperties": 1, "maxProperties": 3}
            """)
        #expect(card.validate(try json(#"{"card": 1, "billing": 2}"#)).isValid)
        #expect(!card.validate(try json(#"{"card": 1}"#)).isValid)
        #expect(!card.validate(try json(#"{"vip": true}"#)).isValid)
        #expect(card.validate(try json(#"{"vip": true, "tier": 1}"#)).isValid)
        #expect(!card.validate(try json(#"{"waytoolong": 1}"#)).isValid)
        #expect(!card.validate(try json("{}")).isValid)
        #expect(!card.validate(try json(#"{"a": 1, "b": 2, "c": 3, "d": 4}"#)).isValid)
    }

    @Test func arrayKeywords() throws {
        let tuple = try schema(#"{"prefixItems": [{"type": "string"}, {"type": "integer"}], "items": false, "minItems": 1}"#)
        #expect(tuple.validate(["a", 1]).isValid)
        #expect(tuple.validate(["a"]).isValid)
        #expect(!tuple.validate([]).isValid)
        #expect(tuple.validate(["a", 1, true]).violations.map(\.instancePath) == ["/2"])
        #expect(tuple.validate([1, 1]).violations.map(\.keywordLocation) == ["/prefixItems/0/type"])

        let contains = try schema(#"{"contains": {"type": "integer"}, "minContains": 2, "maxContains": 3}"#)
        #expect(contains.validate([1, "a", 2]).isValid)
        #expect(!contains.validate([1, "a"]).isValid)
        #expect(!contains.validate([1, 2, 3, 4]).isValid)
        #expect(try !schema(#"{"contains": {"const": 1}}"#).validate([]).isValid)
        #expect(try schema(#"{"contains": {"const": 1}, "minContains": 0}"#).validate([]).isValid)

        let unique = try schema(#"{"uniqueItems": true, "maxItems": 4}"#)
        #expect(unique.validate([1, "1", [1], ["a": 1]]).isValid)
        #expect(!unique.validate([1, .double(1.0)]).isValid)
        #expect(!unique.validate([try json(#"{"a": 1, "b": 2}"#), try json(#"{"b": 2, "a": 1}"#)]).isValid)
        #expect(!unique.validate([1, 2, 3, 4, 5]).isValid)
    }

    @Test func composition() throws {
        let anyOf = try schema(#"{"anyOf": [{"type": "string"}, {"minimum": 10}]}"#)
        #expect(anyOf.validate("x").isValid)
        #expect(anyOf.validate(12).isValid)
        #expect(anyOf.validate(3).violations.map(\.keywordLocation) == ["/anyOf"])
        let oneOf = try schema(#"{"oneOf": [{"type": "integer"}, {"minimum": 2}]}"#)
        #expect(oneOf.validate(1).isValid)
        #expect(oneOf.validate(.double(2.5)).isValid)
        #expect(!oneOf.validate(3).isValid)  // matches both
        #expect(!oneOf.validate(.double(1.5)).isValid)  // matches neither
        let allOfNot = try schema(#"{"allOf": [{"type": "string"}, {"not": {"const": "forbidden"}}]}"#)
        #expect(allOfNot.validate("fine").isValid)
        #expect(allOfNot.validate("forbidden").violations.map(\.keywordLocation) == ["/allOf/1/not"])
        let conditional = try schema("""
            {"if": {"properties": {"kind": {"const": "n"}}}, "then": {"properties": {"v": {"type": "number"}}},
             "else": {"properties": {"v": {"type": "string"}}}}
            """)
        #expect(conditional.validate(try json(#"{"kind": "n", "v": 1}"#)).isValid)
        #expect(conditional.validate(try json(#"{"kind": "s", "v": "x"}"#)).isValid)
        #expect(conditional.validate(try json(#"{"kind": "n", "v": "x"}"#)).violations.map(\.keywordLocation) == ["/then/properties/v/type"])
        #expect(!conditional.validate(try json(#"{"kind": "s", "v": 1}"#)).isValid)
        #expect(try schema("true").validate(["anything"]).isValid)
        #expect(try schema("false").validate(nil).violations.count == 1)
    }

    @Test func unevaluatedPropertiesSeesThroughApplicators() throws {
        let closed = try schema("""
            {"properties": {"a": true}, "allOf": [{"properties": {"b": true}}],
             "anyOf": [{"properties": {"c": {"const": 1}}, "required": ["c"]}, {"properties": {"d": true}, "required": ["d"]}],
             "if": {"properties": {"e": true}, "required": ["e"]}, "then": {"properties": {"f": true}},
             "$ref": "#/$defs/g", "$defs": {"g": {"properties": {"g": true}}},
             "unevaluatedProperties": false}
            """)
        #expect(closed.validate(try json(#"{"a": 1, "b": 1, "c": 1, "g": 1}"#)).isValid)
        #expect(closed.validate(try json(#"{"d": 1, "e": 1, "f": 1}"#)).isValid)
        // "c" only evaluated by a failed anyOf branch; "f" only by a "then" not taken.
        #expect(closed.validate(try json(#"{"d": 1, "c": 2}"#)).violations.map(\.instancePath) == ["/c"])
        #expect(closed.validate(try json(#"{"d": 1, "f": 1}"#)).violations.map(\.instancePath) == ["/f"])
        #expect(closed.validate(try json(#"{"d": 1, "z": 1}"#)).violations.first?.keywordLocation == "/unevaluatedProperties")
        // A "not" never evaluates anything.
        #expect(try !schema(#"{"not": {"not": {"properties": {"a": true}}}, "unevaluatedProperties": false}"#)
            .validate(["a": 1]).isValid)
    }

    @Test func unevaluatedItemsCountsPrefixItemsAndContains() throws {
        let items = try schema("""
            {"allOf": [{"prefixItems": [true, true]}], "contains": {"type": "string"}, "unevaluatedItems": {"type": "integer"}}
            """)
        #expect(items.validate([true, nil, "s", 3, "t"]).isValid)
        #expect(items.validate([true, nil, "s", 3.5]).violations.map(\.instancePath) == ["/3"])
        #expect(try !schema(#"{"prefixItems": [true], "unevaluatedItems": false}"#).validate([1, 2]).isValid)
        #expect(try schema(#"{"items": true, "unevaluatedItems": false}"#).validate([1, 2]).isValid)
    }
}

@Suite struct JSONSchemaReferenceTests {
    @Test func pointersAnchorsAndRelativeIDs() throws {
        let document = try schema("""
            {"$id": "https://example.com/schemas/root.json",
             "$defs": {"a/b": {"type": "integer"}, "t~n": {"type": "string"}, "pct%": {"minimum": 5},
                       "anchored": {"$anchor": "positive", "exclusiveMinimum": 0},
                       "nested": {"$id": "nested/item.json", "$defs": {"x": {"maxLength": 2}}}},
             "properties": {"int": {"$ref": "#/$defs/a~1b"}, "str": {"$ref": "#/$defs/t~0n"},
                            "pct": {"$ref": "#/$defs/pct%25"}, "pos": {"$ref": "#positive"},
                            "short": {"$ref": "nested/item.json#/$defs/x"}, "self": {"$ref": "#"}}}
            """)
        #expect(document.validate(try json(#"{"int": 1, "str": "s", "pct": 6, "pos": 1, "short": "ab", "self": {"int": 2}}"#)).isValid)
        #expect(!document.validate(["int": "1"]).isValid)
        #expect(!document.validate(["str": 1]).isValid)
        #expect(!document.validate(["pct": 4]).isValid)
        #expect(!document.validate(["pos": 0]).isValid)
        #expect(!document.validate(["short": "abc"]).isValid)
        #expect(document.validate(["self": ["int": "x"]]).violations.first?.keywordLocation == "/$defs/a~1b/type")
        #expect(document.validate(["self": ["int": "x"]]).violations.first?.instancePath == "/self/int")
    }

    @Test func recursiveTree() throws {
        let tree = try schema("""
            {"$defs": {"node": {"type": "object", "required": ["value"],
               "properties": {"value": {"type": "integer"}, "children": {"type": "array", "items": {"$ref": "#/$defs/node"}}},
               "additionalProperties": false}},
             "$ref": "#/$defs/node"}
            """)
        #expect(tree.validate(try json(#"{"value": 1, "children": [{"value": 2}, {"value": 3, "children": [{"value": 4}]}]}"#)).isValid)
        let outcome = tree.validate(try json(#"{"value": 1, "children": [{"value": 2}, {"value": 3, "children": [{"value": "four"}]}]}"#))
        #expect(outcome.violations.map(\.instancePath) == ["/children/1/children/0/value"])
        #expect(outcome.violations.map(\.keywordLocation) == ["/$defs/node/properties/value/type"])
    }

    @Test func dynamicRefExtendsARecursiveSchema() throws {
        // The spec's pattern: a generic list whose item type the outer resource supplies through $dynamicAnchor.
        let strings = try schema("""
            {"$id": "https://example.com/strings", "$ref": "list", "$defs": {
               "item": {"$dynamicAnchor": "item", "type": "string"},
               "list": {"$id": "list", "type": "array", "items": {"$dynamicRef": "#item"},
                        "$defs": {"default": {"$dynamicAnchor": "item"}}}}}
            """)
        #expect(strings.validate(["a", "b"]).isValid)
        #expect(strings.validate(["a", 1]).violations.map(\.instancePath) == ["/1"])
    }

    @Test func remoteReferencesAreIndeterminateAndNeverFetched() throws {
        let remote = try schema(#"{"properties": {"a": {"$ref": "https://example.com/other.json#/$defs/x"}}}"#)
        #expect(remote.unsupportedReason == nil)
        #expect(remote.validate(["b": 1]).isValid)  // the reference is never reached
        let reason = try #require(remote.validate(["a": 1]).indeterminateReason)
        #expect(reason.contains("https://example.com/other.json"))
        #expect(reason.contains("never fetched"))
        #expect(try schema(#"{"$ref": "other.json"}"#).validate(1).indeterminateReason != nil)
        #expect(try schema(##"{"$ref": "#/$defs/missing"}"##).validate(1).indeterminateReason != nil)
        #expect(try schema(##"{"$ref": "#nowhere"}"##).validate(1).indeterminateReason != nil)
    }

    @Test func onlyThe2020_12DialectIsSupported() throws {
        #expect(try schema(#"{"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "string"}"#).validate("x").isValid)
        let draft7 = try schema(#"{"$schema": "http://json-schema.org/draft-07/schema#", "type": "string"}"#)
        #expect(draft7.unsupportedReason?.contains("draft-07") == true)
        #expect(draft7.validate("x").indeterminateReason != nil)
        #expect(try schema(#"{"properties": {"a": {"$schema": "urn:custom"}}}"#).validate([:]).indeterminateReason != nil)
        #expect(try schema(#"{"type": 5}"#).validate(1).indeterminateReason?.contains("type") == true)
    }
}

@Suite struct JSONSchemaLimitTests {
    @Test func referenceLoopsAreIndeterminate() throws {
        #expect(try schema(##"{"$ref": "#"}"##).validate(1).indeterminateReason?.contains("depth") == true)
        #expect(try schema(##"{"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"$ref": "#/$defs/a"}}, "$ref": "#/$defs/a"}"##)
            .validate(1).indeterminateReason != nil)
    }

    @Test func deeplyNestedSchemasAreRejectedUpFront() throws {
        var nested: JSONValue = ["type": "integer"]
        for _ in 0..<1000 { nested = ["allOf": [nested]] }
        let deep = JSONSchema(nested)
        #expect(deep.unsupportedReason?.contains("depth") == true)
        #expect(deep.validate(1).indeterminateReason != nil)
    }

    @Test func deepInstancesDoNotRecurseUnboundedly() throws {
        var instance: JSONValue = 0
        for _ in 0..<10_000 { instance = [instance] }
        let recursive = try schema(##"{"type": ["array", "integer"], "items": {"$ref": "#"}}"##)
        #expect(recursive.validate(instance).indeterminateReason?.contains("depth") == true)
        var deep: JSONValue = 0
        for _ in 0..<300 { deep = [deep] }
        #expect(JSONSchema(["const": deep]).validate(deep).indeterminateReason?.contains("nested") == true)
        #expect(try schema(#"{"const": [[0]]}"#).validate(instance).violations.count == 1)  // differs at depth 2: no deep walk
        #expect(try schema(#"{"uniqueItems": true}"#).validate([instance, instance]).indeterminateReason != nil)
        #expect(try schema(#"{"type": "array"}"#).validate(instance).isValid)  // nothing descends: nothing to bound
    }

    @Test func combinatorialSchemasRunOutOfSteps() throws {
        // 64 oneOf branches × 10 000 items = 640 000 branch evaluations: over the 200 000 step budget.
        let branches = (0..<64).map { JSONValue.object(["const": .int(Int64($0))]) }
        let wide = JSONSchema(["items": ["oneOf": .array(branches)]])
        let array = JSONValue.array((0..<10_000).map { _ in .int(63) })
        let started = ContinuousClock.now
        #expect(wide.validate(array).indeterminateReason?.contains("step budget") == true)
        #expect(ContinuousClock.now - started < .seconds(5))
        #expect(wide.validate(.array(Array(repeating: 63, count: 100))).isValid)

        let tight = JSONSchema(["items": ["type": "integer"]], limits: JSONSchemaLimits(maxSteps: 100))  // two steps per item
        #expect(tight.validate(.array(Array(repeating: 1, count: 40))).isValid)
        #expect(tight.validate(.array(Array(repeating: 1, count: 60))).indeterminateReason != nil)
    }

    @Test func violationsAreCapped() throws {
        let strings = JSONSchema(["items": ["type": "string"]], limits: JSONSchemaLimits(maxViolations: 3))
        let outcome = strings.validate(.array(Array(repeating: 1, count: 100)))
        #expect(outcome.violations.map(\.instancePath) == ["/0", "/1", "/2"])
    }

    @Test func oneCompiledSchemaValidatesConcurrently() async throws {
        let shared = try schema(#"{"items": {"pattern": "^[a-z]+$"}, "uniqueItems": true}"#)
        let verdicts = await withTaskGroup(of: Bool.self) { group in
            for index in 0..<8 {
                group.addTask { shared.validate(["abc", index % 2 == 0 ? "def" : "DEF"]).isValid }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(verdicts.filter { $0 }.count == 4)
    }
}
