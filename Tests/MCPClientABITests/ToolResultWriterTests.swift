import Glibc
import MCPClientCore
import Testing
@testable import MCPClientABI

/// `mcp_manager_call_tool` writes its document straight out (`writeToolResult`); it must be the bytes the document
/// `Manager.callToolBlocking` builds would be written as.
@Suite struct ToolResultWriterTests {
    @Test(arguments: [
        ("echo", "echo"), (#"we"ird\ "name"#, "tool\n\t\u{1}"), ("ünïcødé 😀", ""), ("s", String(repeating: "x", count: 300)),
    ])
    func theDocumentIsWhatCallToolBlockingWouldWrite(names: (String, String)) throws {
        let (server, tool) = names
        for result: JSONValue in [
            ["content": [["type": "text", "text": "hello"]], "isError": false],
            ["structuredContent": ["t": 21.5, "list": [1, -2, nil]], "text": "a\"b\\c\n"], [:],
        ] {
            var written: UnsafeMutablePointer<CChar>?
            try writeToolResult(.success(result), server: server, tool: tool, to: &written, copying: nil)
            defer { free(written) }
            let document: JSONValue = ["version": 1, "server": .string(server), "tool": .string(tool), "result": result]
            #expect(written.map { String(cString: $0) } == String(decoding: JSONWriter.serialize(document), as: UTF8.self))
        }
    }

    @Test func aFailureIsThrownAndNothingWritten() {
        var written: UnsafeMutablePointer<CChar>?
        #expect(throws: MCPError.self) {
            try writeToolResult(.failure(MCPError(.timeout, "late")), server: "s", tool: "t", to: &written, copying: nil)
        }
        #expect(written == nil)
    }
}
