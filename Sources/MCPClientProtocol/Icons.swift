public import MCPClientCore

/// Icon URIs a host may fetch: only `https:` and `data:` (mcp-protocol.md §5.4). Others (`javascript:`, `file:`,
/// `http:`, app schemes) are dropped before the host ever sees them.
public enum Icons {
    public static func isAllowed(_ src: String) -> Bool {
        let lowered = src.prefix(8).lowercased()
        return lowered.hasPrefix("https:") || lowered.hasPrefix("data:")
    }

    /// The item with unsafe entries removed from its `icons` array (other fields untouched).
    public static func sanitize(_ item: JSONValue) -> JSONValue {
        guard case .object(var object) = item, case .array(let icons)? = object["icons"] else { return item }
        object["icons"] = .array(icons.filter { $0["src"]?.stringValue.map(isAllowed) ?? false })
        return .object(object)
    }
}
