/// MCP's rule for header values that mirror message fields (`Mcp-Name`, `Mcp-Param-*`): printable ASCII without
/// edge whitespace goes as-is; anything else (and anything that looks like the sentinel) as `=?base64?…?=`.
public enum HeaderValue {
    public static func encode(_ value: String) -> String {
        let bytes = value.utf8
        // Checked in place, in one pass where the bytes are contiguous: this runs for every tools/call.
        let plain: Bool = bytes.withContiguousStorageIfAvailable { isPlain($0) } ?? isPlain(Array(bytes))
        return plain ? value : "=?base64?" + Base64.encode(Array(bytes)) + "?="
    }

    /// Printable ASCII, no space at either end, and not shaped like the sentinel itself.
    private static func isPlain(_ bytes: some Collection<UInt8>) -> Bool {
        guard bytes.allSatisfy({ $0 >= 0x20 && $0 <= 0x7E }), bytes.first != 0x20 else { return false }
        if bytes.count > 0, bytes[bytes.index(bytes.startIndex, offsetBy: bytes.count - 1)] == 0x20 { return false }
        let sentinelShaped = bytes.starts(with: "=?base64?".utf8)  // then at least 9 bytes; the suffix may overlap it
            && bytes[bytes.index(bytes.startIndex, offsetBy: bytes.count - 2)] == UInt8(ascii: "?")
            && bytes[bytes.index(bytes.startIndex, offsetBy: bytes.count - 1)] == UInt8(ascii: "=")
        return !sentinelShaped
    }
}

extension HeaderValue {
    /// LibreChat's rule for substituted header values: text within Latin-1 goes as-is; anything with a character
    /// above U+00FF (which HTTP header bytes cannot carry) goes as `b64:` + base64 of its UTF-8.
    public static func latin1OrB64(_ value: String) -> String {
        value.unicodeScalars.allSatisfy({ $0.value <= 0xFF }) ? value : "b64:" + Base64.encode(Array(value.utf8))
    }
}
