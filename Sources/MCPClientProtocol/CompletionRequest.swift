public import MCPClientCore

/// `completion/complete` parameters, checked before sending so a malformed request fails locally with the path at fault.
public enum CompletionRequest {
    public static func validate(_ params: JSONObject) throws(MCPError) -> JSONObject {
        guard case .object(let ref) = params["ref"] ?? .null else { throw MCPError.invalid("'ref' must be an object", details: ["path": "ref"]) }
        switch ref["type"]?.stringValue {
        case "ref/prompt":
            guard ref["name"]?.stringValue != nil else { throw MCPError.invalid("a ref/prompt needs a string 'name'", details: ["path": "ref.name"]) }
        case "ref/resource":
            guard ref["uri"]?.stringValue != nil else { throw MCPError.invalid("a ref/resource needs a string 'uri'", details: ["path": "ref.uri"]) }
        default:
            throw MCPError.invalid("'ref.type' must be \"ref/prompt\" or \"ref/resource\"", details: ["path": "ref.type"])
        }
        guard case .object(let argument) = params["argument"] ?? .null, argument["name"]?.stringValue != nil,
              argument["value"]?.stringValue != nil
        else {
            throw MCPError.invalid("'argument' must be an object with string 'name' and 'value'", details: ["path": "argument"])
        }
        if let context = params["context"], context.objectValue == nil {
            throw MCPError.invalid("'context' must be an object", details: ["path": "context"])
        }
        return params
    }
}
