// Decides the JSON strategy (issue 2): FoundationEssentials' JSONDecoder/JSONEncoder on typed messages versus
// the library's hand-written JSONParser/JSONWriter over UTF-8 bytes. Run: swift run -c release mcp-json-bench
import FoundationEssentials
import MCPClientCore

#if canImport(Glibc)
import Glibc
#endif

struct TextContent: Codable { var type: String; var text: String }
struct CallToolResult: Codable { var content: [TextContent]; var isError: Bool }
struct Response: Codable { var jsonrpc: String; var id: Int; var result: CallToolResult }
struct Arguments: Codable { var text: String }
struct Meta: Codable { var progressToken: Int }
struct CallParams: Codable { var name: String; var arguments: Arguments; var _meta: Meta }
struct Request: Codable { var jsonrpc: String; var id: Int; var method: String; var params: CallParams }

func now() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

@inline(never) func measure(_ name: String, iterations: Int, _ body: () throws -> Int) rethrows -> Double {
    var sink = 0
    for _ in 0..<(iterations / 10) { sink &+= try body() }  // warm-up
    let start = now()
    for _ in 0..<iterations { sink &+= try body() }
    let perOp = Double(now() - start) / Double(iterations)
    let padded = name + String(repeating: " ", count: max(0, 58 - name.count))
    print(padded, "\(Int(perOp.rounded())) ns/op", sink == 42 ? "" : "")
    return perOp
}

let responseText = #"{"jsonrpc":"2.0","id":12345,"result":{"content":[{"type":"text","text":"hello, world: the quick brown fox jumps over the lazy dog"}],"isError":false}}"#
let responseBytes = Array(responseText.utf8)
let responseData = Data(responseBytes)
let toolsText = #"{"jsonrpc":"2.0","id":2,"result":{"tools":["# + (0..<20).map { i in
    #"{"name":"tool_\#(i)","description":"Tool number \#(i) does something useful with its arguments","inputSchema":{"type":"object","properties":{"text":{"type":"string","description":"what to process"},"count":{"type":"integer","minimum":0}},"required":["text"]}}"#
}.joined(separator: ",") + "]}}"
let toolsBytes = Array(toolsText.utf8)

let iterations = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 200_000 : 200_000
print("JSON strategy benchmark, \(iterations) iterations (lower is better)")
let decoder = JSONDecoder()
let encoder = JSONEncoder()

let typedDecode = try measure("decode response: JSONDecoder (typed Codable)", iterations: iterations) {
    try decoder.decode(Response.self, from: responseData).result.content[0].text.utf8.count
}
let valueDecode = measure("decode response: JSONParser (JSONValue)", iterations: iterations) {
    (try? JSONParser.parse(responseBytes))?["result"]?["content"]?.arrayValue?[0]["text"]?.stringValue?.utf8.count ?? 0
}
let request = Request(jsonrpc: "2.0", id: 7, method: "tools/call", params: CallParams(name: "echo", arguments: Arguments(text: "hello"), _meta: Meta(progressToken: 7)))
let requestValue: JSONValue = ["jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": ["name": "echo", "arguments": ["text": "hello"], "_meta": ["progressToken": 7]]]
let typedEncode = try measure("encode request: JSONEncoder (typed Codable)", iterations: iterations) { try encoder.encode(request).count }
let valueEncode = measure("encode request: JSONWriter (JSONValue)", iterations: iterations) { JSONWriter.serialize(requestValue).count }
let toolsIterations = max(iterations / 20, 1000)
struct Tool: Codable { var name: String; var description: String?; var inputSchema: [String: AnyCodableSchema] }
// Tool schemas are arbitrary JSON; a typed decoder needs a dynamic value type, which is what JSONValue already is.
enum AnyCodableSchema: Codable {
    case string(String), int(Int), bool(Bool), array([AnyCodableSchema]), object([String: AnyCodableSchema]), null
    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null } else if let b = try? c.decode(Bool.self) { self = .bool(b) } else if let i = try? c.decode(Int.self) { self = .int(i) }
        else if let s = try? c.decode(String.self) { self = .string(s) } else if let a = try? c.decode([AnyCodableSchema].self) { self = .array(a) }
        else { self = .object(try c.decode([String: AnyCodableSchema].self)) }
    }
    func encode(to encoder: any Encoder) throws {}
}
struct ToolsResult: Codable { var tools: [Tool] }
struct ToolsResponse: Codable { var jsonrpc: String; var id: Int; var result: ToolsResult }
let toolsData = Data(toolsBytes)
let typedTools = try measure("decode 20-tool list: JSONDecoder (typed + dynamic schema)", iterations: toolsIterations) {
    try decoder.decode(ToolsResponse.self, from: toolsData).result.tools.count
}
let valueTools = measure("decode 20-tool list: JSONParser (JSONValue)", iterations: toolsIterations) {
    (try? JSONParser.parse(toolsBytes))?["result"]?["tools"]?.arrayValue?.count ?? 0
}
func ratio(_ x: Double) -> String { "\((x * 10).rounded() / 10)x" }
print("ratios (JSONDecoder/JSONEncoder ÷ hand-written): response decode \(ratio(typedDecode / valueDecode)), request encode \(ratio(typedEncode / valueEncode)), tool list decode \(ratio(typedTools / valueTools))")
