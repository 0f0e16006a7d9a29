public import MCPClientCore

/// What the client capabilities a host declared allow a server to ask of it. A server must never ask for more, so
/// anything else is refused by the library before it reaches the host.
public struct ClientCapabilities: Sendable {
    public let declared: JSONObject

    public init(_ declared: JSONObject) { self.declared = declared }

    /// Nil when the host declared what `method` needs; otherwise why it may not be asked.
    public func refusal(method: String, params: JSONValue?) -> String? {
        switch method {
        case "roots/list":
            return declared["roots"] == nil ? "the host did not declare the roots capability" : nil
        case "sampling/createMessage":
            guard let sampling = declared["sampling"] else { return "the host did not declare the sampling capability" }
            if params?["tools"] != nil, sampling["tools"] == nil { return "the host did not declare sampling.tools" }
            return nil
        case "elicitation/create":
            guard case .object(let elicitation) = declared["elicitation"] ?? .null else { return "the host did not declare the elicitation capability" }
            // A missing mode is form mode; an empty elicitation capability means form only.
            let mode = Self.elicitationMode(params)
            let supported = elicitation.isEmpty ? ["form"] : elicitation.keys
            return supported.contains(mode) ? nil : "the host did not declare \(mode)-mode elicitation"
        default:
            // Some other request (e.g. a future method): only a host that handles requests at all hears of it.
            return declared.isEmpty ? "the host declared no client capabilities" : nil
        }
    }

    public static func elicitationMode(_ params: JSONValue?) -> String { params?["mode"]?.stringValue ?? "form" }
}
