/// MCP's rule for header values that mirror message fields (`Mcp-Name`, `Mcp-Param-*`): printable ASCII without
/// edge whitespace goes as-is; anything else (and anything that looks like the sentinel) as `=?base64?…?=`.
public enum HeaderValue {
    public static func encode(_ value: String) -> String {
        let bytes = Array(value.utf8)
        let printable = bytes.allSatisfy { $0 >= 0x20 && $0 <= 0x7E }
        let trimmed = bytes.first != 0x20 && bytes.last != 0x20
        let sentinelShaped = value.hasPrefix("=?base64?") && value.hasSuffix("?=")
        return printable && trimmed && !sentinelShaped ? value : "=?base64?" + Base64.encode(bytes) + "?="
    }
}
