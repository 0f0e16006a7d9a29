public import MCPClientCore

/// `x-mcp-header` (2026-07-28, HTTP): an `inputSchema` property annotated `"x-mcp-header": "Region"` is mirrored
/// into the request header `Mcp-Param-Region`. A tool whose annotations are invalid must not be offered.
public enum ParameterHeaders {
    public static let annotation = "x-mcp-header"
    public static let prefix = "Mcp-Param-"

    /// One mirrored property: its `properties` path from the schema root and the header token.
    public struct Mirror: Sendable, Equatable {
        public var path: [String]
        public var token: String
        public init(path: [String], token: String) {
            self.path = path
            self.token = token
        }
    }

    /// The annotations of a tool's input schema, or why they are invalid (not on a pure `properties` chain, not an
    /// RFC 9110 token, not on a string/integer/boolean property, or a case-insensitive duplicate).
    public static func mirrors(of inputSchema: JSONValue) -> Result<[Mirror], MCPError> {
        var found: [Mirror] = []
        var seen: [String: String] = [:]
        // (properties path, or nil once another applicator was crossed; the schema node). Bounded by the input.
        var stack: [([String]?, JSONValue)] = [([], inputSchema)]
        while let (path, node) = stack.popLast() {
            guard case .object(let schema) = node else { continue }
            if let token = schema[annotation] {
                guard let path, !path.isEmpty else { return invalid("\(annotation) is only allowed on properties reached through `properties`") }
                let place = path.joined(separator: ".")
                guard let text = token.stringValue, !text.isEmpty, text.utf8.allSatisfy(isTokenByte) else {
                    return invalid("property '\(place)': \(annotation) must be an RFC 9110 token")
                }
                guard let type = schema["type"]?.stringValue, ["string", "integer", "boolean"].contains(type) else {
                    return invalid("property '\(place)': \(annotation) is only allowed on string, integer or boolean properties")
                }
                if let other = seen[text.lowercased()] { return invalid("\(annotation) '\(text)' on '\(place)' duplicates '\(other)'") }
                seen[text.lowercased()] = place
                found.append(Mirror(path: path, token: text))
            }
            for (keyword, value) in schema {
                switch keyword {
                case "properties":
                    for (name, sub) in value.objectValue ?? [:] { stack.append((path.map { $0 + [name] }, sub)) }
                case "items", "contains", "unevaluatedItems", "additionalProperties", "propertyNames", "unevaluatedProperties", "not",
                     "if", "then", "else", "contentSchema":
                    stack.append((nil, value))
                case "allOf", "anyOf", "oneOf", "prefixItems":
                    for sub in value.arrayValue ?? [] { stack.append((nil, sub)) }
                case "patternProperties", "dependentSchemas", "$defs", "definitions":
                    for (_, sub) in value.objectValue ?? [:] { stack.append((nil, sub)) }
                default: continue
                }
            }
        }
        return .success(found.sorted { $0.token < $1.token })
    }

    /// The `Mcp-Param-*` headers for a call's arguments; absent and null values send no header.
    public static func headers(_ mirrors: [Mirror], arguments: JSONValue?) -> [(name: String, value: String)] {
        mirrors.compactMap { mirror in
            var node = arguments
            for key in mirror.path { node = node?[key] }
            let rendered: String? = switch node {
            case .string(let text): text
            case .int(let number): String(number)
            case .double(let number) where number.rounded() == number && abs(number) < 9.0e15: String(Int64(number))
            case .bool(let flag): flag ? "true" : "false"
            default: nil
            }
            return rendered.map { (prefix + mirror.token, HeaderValue.encode($0)) }
        }
    }

    private static func invalid(_ reason: String) -> Result<[Mirror], MCPError> {
        .failure(MCPError(.protocolError, reason, source: .peer, details: ["reason": "invalid_x_mcp_header"]))
    }

    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"): true
        default: "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }
}
