import MCPClientConfig
import MCPClientCore
import MCPClientManager
import Testing

@Suite struct ToolResultTests {
    func format(_ result: JSONValue, _ options: ToolResultFormatter.Options = .init()) throws -> JSONValue {
        try ToolResultFormatter.format(result, options: options)
    }

    @Test func textBlocksJoinWithABlankLine() throws {
        let out = try format(["content": [["type": "text", "text": "one"], ["type": "text", "text": ""], ["type": "text", "text": "two"]]])
        #expect(out["text"] == "one\n\ntwo")
        #expect(out["isError"] == false)
        #expect(out["content"]?.arrayValue?.count == 3)  // verbatim, the empty block included
        #expect(out["version"] == 1)
    }

    @Test func emptyResults() throws {
        #expect(try format(["content": []])["text"] == "(No response)")
        #expect(try format([:])["text"] == "(No response)")
        // Structured output with no content reads as its JSON.
        #expect(try format(["content": [], "structuredContent": ["a": 1]])["text"] == "{\"a\":1}")
    }

    @Test func isErrorIsKeptAndPayloadsAreUnwrapped() throws {
        let payload: JSONValue = ["version": 1, "server": "s", "tool": "t", "result": ["content": [["type": "text", "text": "boom"]], "isError": true]]
        let out = try format(payload)
        #expect(out["isError"] == true)
        #expect(out["text"] == "boom")
        #expect(throws: MCPError.self) { try format("text") }
        #expect(throws: MCPError.self) { try format(["content": "text"]) }
    }

    @Test func imagesAndAudioBecomeArtifacts() throws {
        let png = "iVBORw0KGgo="  // 8 bytes
        let out = try format(["content": [
            ["type": "image", "data": .string(png), "mimeType": "image/png"],
            ["type": "image", "data": "https://example.com/cat.png", "mimeType": "image/png"],
            ["type": "audio", "data": "AAAA", "mimeType": "audio/wav"],
        ]])
        let images = out["artifacts"]?["images"]?.arrayValue ?? []
        #expect(images.count == 2)
        #expect(images.first?["url"] == .string("data:image/png;base64," + png))
        #expect(images.first?["bytes"] == 8)
        #expect(images.first?["index"] == 0)
        #expect(images.last?["url"] == "https://example.com/cat.png")
        #expect(out["artifacts"]?["audio"]?.arrayValue?.first?["bytes"] == 3)
        // Only artifacts: the text is empty rather than "(No response)", as LibreChat does.
        #expect(out["text"] == "")
    }

    @Test func overCapMediaIsReplacedByANote() throws {
        let big = String(repeating: "A", count: 400)  // 300 bytes
        let out = try format(["content": [["type": "image", "data": .string(big), "mimeType": "image/jpeg"], ["type": "text", "text": "after"]]],
            .init(maxArtifactBytes: 299))
        #expect(out["artifacts"]?["images"]?.arrayValue?.isEmpty == true)
        #expect(out["text"] == "[image omitted: 300 bytes (image/jpeg) is over the 299-byte limit]\n\nafter")
        let fits = try format(["content": [["type": "image", "data": .string(big), "mimeType": "image/jpeg"]]], .init(maxArtifactBytes: 300))
        #expect(fits["artifacts"]?["images"]?.arrayValue?.count == 1)
    }

    @Test func resourcesLinksAndUI() throws {
        let out = try format(["content": [
            ["type": "resource", "resource": ["uri": "file:///a.txt", "mimeType": "text/plain", "text": "hello"]],
            ["type": "resource_link", "uri": "file:///b.pdf", "name": "b.pdf", "mimeType": "application/pdf"],
            ["type": "resource", "resource": ["uri": "ui://widget/1", "mimeType": "text/html", "text": "<p>hi</p>"]],
            ["type": "resource", "resource": ["uri": "file:///c.bin", "blob": "AAAA"]],
            ["type": "mystery", "x": 1],
        ]])
        let text = out["text"]?.stringValue ?? ""
        let expected = [
            "Resource Text: hello\nResource URI: file:///a.txt\nResource MIME Type: text/plain",
            "Resource Link: file:///b.pdf",
            // sha256("<p>hi</p>")[:10], from Python's hashlib.
            "UI Resource ID: 0a4735281d\nUI Resource Marker: \\ui{0a4735281d}\nResource URI: ui://widget/1\nResource MIME Type: text/html",
            "Resource URI: file:///c.bin",
            "{\"type\":\"mystery\",\"x\":1}",
        ].joined(separator: "\n\n")
        #expect(text == expected)
        let artifacts = out["artifacts"]
        #expect(artifacts?["links"]?.arrayValue?.first?["uri"] == "file:///b.pdf")
        #expect(artifacts?["links"]?.arrayValue?.first?["name"] == "b.pdf")
        #expect(artifacts?["ui"]?.arrayValue?.first?["resourceId"] == "0a4735281d")
        #expect(artifacts?["resources"]?.arrayValue?.map { $0["uri"] } == ["file:///a.txt", "file:///c.bin"])
        #expect(artifacts?["resources"]?.arrayValue?.last?["bytes"] == 3)
    }

    @Test func structuredContentIsCheckedAgainstTheOutputSchema() throws {
        let schema: JSONValue = ["type": "object", "properties": ["t": ["type": "number"]], "required": ["t"]]
        let good = try format(["content": [], "structuredContent": ["t": 1.5]], .init(outputSchema: schema))
        #expect(good["structuredValid"] == true)
        #expect(good["structuredContent"] == ["t": 1.5])
        let bad = try format(["content": [], "structuredContent": ["t": "warm"]], .init(outputSchema: schema))
        #expect(bad["structuredValid"] == false)
        #expect(bad["structuredViolations"]?.arrayValue?.first?["instancePath"] == "/t")
        // Without a schema there is no verdict.
        #expect(try format(["structuredContent": ["t": 1]])["structuredValid"] == nil)
    }

    @Test func optionsParse() throws {
        #expect(try ToolResultFormatter.Options.parse(["maxArtifactBytes": 5]).maxArtifactBytes == 5)
        #expect(throws: MCPError.self) { try ToolResultFormatter.Options.parse(["maxArtifactBytes": -1]) }
        #expect(throws: MCPError.self) { try ToolResultFormatter.Options.parse(["extra": 1]) }
        #expect(throws: MCPError.self) { try ToolResultFormatter.Options.parse(["outputSchema": "x"]) }
    }
}

@Suite struct ApprovalPolicyTests {
    func config(_ extra: JSONObject) throws -> ServerConfig {
        var object: JSONObject = ["command": "true"]
        for (key, value) in extra { object[key] = value }
        return try ServerConfig.parse(name: "s", json: .object(object))
    }

    @Test func configDecidesAndPandoraKitDefaultsToTrue() throws {
        #expect(ApprovalPolicy.requirement(config: try config([:]), annotations: nil) == nil)
        #expect(ApprovalPolicy.requirement(config: try config(["requireApproval": true]), annotations: nil) == .config)
        #expect(ApprovalPolicy.requirement(config: try config(["source": ["format": "pandorakit"]]), annotations: nil) == .config)
        #expect(ApprovalPolicy.requirement(config: try config(["requireApproval": false, "source": ["format": "pandorakit"]]), annotations: nil) == nil)
    }

    @Test func annotationsOnlyTighten() throws {
        let open = try config(["requireApproval": false])
        #expect(ApprovalPolicy.requirement(config: open, annotations: ["destructiveHint": true]) == .destructiveHint)
        #expect(ApprovalPolicy.requirement(config: open, annotations: ["destructiveHint": true, "readOnlyHint": true]) == nil)
        #expect(ApprovalPolicy.requirement(config: open, annotations: ["destructiveHint": false]) == nil)
        let strict = try config(["requireApproval": true])
        #expect(ApprovalPolicy.requirement(config: strict, annotations: ["readOnlyHint": true, "destructiveHint": false]) == .config)
        let error = ApprovalPolicy.refusal(server: "s", tool: "t", modelName: "t_mcp_s", reason: .config, requestID: 7)
        #expect(error.code == .permission && error.details["reason"] == "approval_required" && error.details["request_id"] == 7)
    }
}
