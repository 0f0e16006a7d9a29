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
        #expect(exact.server["args"]?[0]?.stringValue?.utf8.count == 1 << 20)
        let error = #expect(throws: MCPError.self) {
            try resolve(["command": "s", "args": ["${HALF}${HALF}y"]], fullContext(env: ["HALF": half]))
        }
        #expect(error?.code == .config)
        #expect(error?.details["path"] == "args[0]")
        // The value never appears in the error.
        #expect(!(error?.message.containsLiteral(String(repeating: "x", count: 64)) ?? true))
    }

    @Test func aVariableNameMayBe128BytesAndALongerOneStaysLiteral() throws {
        let name128 = "V" + String(repeating: "a", count: 127)
        let name129 = name128 + "b"
        let resolved = try resolve(["command": "s", "args": ["${\(name128)}", "${\(name129)}"]],
            fullContext(env: [name128: "expanded", name129: "never"]))
        #expect(resolved.server["args"] == ["expanded", .string("${\(name129)}")])
    }
}
