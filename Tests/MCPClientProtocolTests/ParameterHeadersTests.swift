import MCPClientCore
import MCPClientProtocol
import MCPClientTesting
import Testing

@Suite struct ParameterHeadersTests {
    func schema(_ properties: JSONValue) -> JSONValue { ["type": "object", "properties": properties] }

    @Test func validAnnotationsAreFoundOnPropertiesChains() throws {
        let mirrors = try ParameterHeaders.mirrors(of: schema([
            "region": ["type": "string", "x-mcp-header": "Region"],
            "limits": ["type": "object", "properties": ["max": ["type": "integer", "x-mcp-header": "Max"]]],
            "plain": ["type": "string"],
        ])).get()
        #expect(mirrors == [.init(path: ["limits", "max"], token: "Max"), .init(path: ["region"], token: "Region")])
        let headers = ParameterHeaders.headers(mirrors, arguments: ["region": "eu", "limits": ["max": 5]])
        #expect(headers.map(\.name) == ["Mcp-Param-Max", "Mcp-Param-Region"])
        #expect(headers.map(\.value) == ["5", "eu"])
        #expect(ParameterHeaders.headers(mirrors, arguments: ["region": nil]).isEmpty)  // null and absent send nothing
    }

    @Test(arguments: [
        ["x": ["type": "number", "x-mcp-header": "X"]] as JSONValue,  // number is not allowed
        ["x": ["type": "object", "x-mcp-header": "X"]],
        ["x": ["type": "string", "x-mcp-header": "bad name"]],
        ["x": ["type": "string", "x-mcp-header": ""]],
        ["x": ["type": "string", "x-mcp-header": "A"], "y": ["type": "string", "x-mcp-header": "a"]],  // duplicate
        ["x": ["type": "array", "items": ["type": "string", "x-mcp-header": "X"]]],  // not a pure properties chain
        ["x": ["anyOf": [["type": "string", "x-mcp-header": "X"]]]],
    ])
    func invalidAnnotationsAreRejected(properties: JSONValue) {
        guard case .failure(let error) = ParameterHeaders.mirrors(of: schema(properties)) else {
            Issue.record("expected \(properties) to be rejected")
            return
        }
        #expect(error.details["reason"] == "invalid_x_mcp_header")
    }

    @Test func unsafeValuesUseTheBase64Sentinel() {
        #expect(HeaderValue.encode("eu-west 1") == "eu-west 1")
        #expect(HeaderValue.encode("zürich") == "=?base64?esO8cmljaA==?=")
        #expect(HeaderValue.encode(" padded") == "=?base64?IHBhZGRlZA==?=")
        #expect(HeaderValue.encode("=?base64?abc?=") == "=?base64?PT9iYXNlNjQ/YWJjPz0=?=")
        #expect(HeaderValue.encode("padded ") == "=?base64?cGFkZGVkIA==?=")
        #expect(HeaderValue.encode("tab\there") == "=?base64?dGFiCWhlcmU=?=")
        #expect(HeaderValue.encode("=?base64?=") == "=?base64?PT9iYXNlNjQ/PQ==?=")  // prefix and suffix overlap
        #expect(HeaderValue.encode("=?base64?") == "=?base64?")  // no suffix: not the sentinel
        #expect(HeaderValue.encode("") == "")
    }

    @Test func overHTTPToolsWithInvalidAnnotationsAreDroppedFromTheList() throws {
        let transport = scriptedTransport { method, _ in
            switch method {
            case "server/discover": return discoverResult
            case "tools/list":
                return ["tools": [
                    ["name": "good", "inputSchema": ["type": "object", "properties": ["r": ["type": "string", "x-mcp-header": "R"]]]],
                    ["name": "bad", "inputSchema": ["type": "object", "properties": ["n": ["type": "number", "x-mcp-header": "N"]]]],
                ]]
            default: return nil
            }
        }
        var options = ClientOptions()
        options.mirrorsParameterHeaders = true
        let (session, _) = connect(transport, options: options)
        let tools = Box<Result<[JSONValue], MCPError>>()
        session.listTools(timeoutNanoseconds: nil) { tools.append($0) }
        #expect(try tools.values.first?.get().map { $0["name"] } == ["good"])
        let headers = session.parameterHeaders(method: "tools/call", params: ["name": "good", "arguments": ["r": "x"]])
        #expect(headers.map(\.name) == ["Mcp-Param-R"])
    }
}
