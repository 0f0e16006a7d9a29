@testable import MCPClientConfig
import MCPClientCore
import Testing

/// The substitution bounds docs/security.md lists, at their real values: a value may grow to 1 MiB, a variable
/// name may be 128 bytes.
@Suite struct SubstitutionLimitTests {
    @Test func theDocumentedBoundsAreTheRealOnes() {
        #expect(Substituter.maxValueBytes == 1 << 20)
        #expect(Template.maxNameLength == 128)
    }

    @Test func aSubstitutedValueMayGrowToOneMebibyteAndNotOneByteMore() throws {
        let half = String(repeating: "x", count: 512 * 1024)
        let exact = try resolve(["command": "s", "args": ["${HALF}${HALF}"]], fullContext(env: ["HALF": half]))
        #expect(exact.server["args"]?.arrayValue?.first?.stringValue?.utf8.count == 1 << 20)
        // One byte more, from a value or from the template's own text after it.
        for template in ["${HALF}${HALF}y", "${HALF}${HALF}${Y}"] {
            guard let error = #expect(throws: MCPError.self, performing: {
                try resolve(["command": "s", "args": .array([.string(template)])], fullContext(env: ["HALF": half, "Y": "y"]))
            }) else { continue }
            #expect(error.code == .config && error.details["path"] == "args[0]" && error.details["limit"] == .int(1 << 20))
            #expect(!JSONWriter.string(error.json).containsLiteral(String(repeating: "x", count: 64)))  // never the value
        }
    }

    @Test func aVariableNameMayBe128BytesAndALongerOneStaysLiteral() throws {
        let name128 = "V" + String(repeating: "a", count: 127)
        let name129 = name128 + "b"
        let args: JSONValue = .array([.string("${\(name128)}"), .string("${\(name129)}")])
        let resolved = try resolve(["command": "s", "args": args], fullContext(env: [name128: "expanded", name129: "never"]))
        #expect(resolved.server["args"] == .array([.string("expanded"), .string("${\(name129)}")]))
    }
}
