/// MCP's rule for header values that mirror message fields (`Mcp-Name`, `Mcp-Param-*`): printable ASCII without
/// edge whitespace goes as-is; anything else (and anything that looks like the sentinel) as `=?base64?…?=`.
public enum HeaderValue {
    public static func encode(_ value: String) -> String {
        let bytes = value.utf8  // checked in place: this runs for every tools/call
        let printable = bytes.allSatisfy { $0 >= 0x20 && $0 <= 0x7E }
        let trimmed = bytes.first != 0x20 && bytes.last != 0x20
        let sentinelShaped = bytes.starts(with: "=?base64?".utf8) && bytes.reversed().starts(with: "=?".utf8)
        return printable && trimmed && !sentinelShaped ? value : "=?base64?" + Base64.encode(Array(bytes)) + "?="
    }
}

extension HeaderValue {
    /// LibreChat's rule for substituted header values: text within Latin-1 goes as-is; anything with a character
    /// above U+00FF (which HTTP header bytes cannot carry) goes as `b64:` + base64 of its UTF-8.
    public static func latin1OrB64(_ value: String) -> String {
        value.unicodeScalars.allSatisfy({ $0.value <= 0xFF }) ? value : "b64:" + Base64.encode(Array(value.utf8))
    }
}
