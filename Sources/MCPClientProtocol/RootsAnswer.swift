public import MCPClientCore

/// Checks the host's answer to a server's `roots/list` before it is sent. A root is the boundary a server is told
/// to stay inside, so it must be an unambiguous absolute `file://` directory: a root spelled with `..` segments
/// (plain or percent-encoded), an encoded slash or a NUL means something else to the server than to the host
/// that built it (e.g. from a user's input), and widens what the server may touch.
public enum RootsAnswer {
    public static let maxRoots = 1024
    public static let maxURIBytes = 4096

    public static func check(_ result: JSONValue) throws(MCPError) {
        guard let roots = result["roots"]?.arrayValue else {
            throw MCPError.invalid("a roots/list answer needs 'roots', an array", details: ["path": "result.roots"])
        }
        guard roots.count <= maxRoots else {
            throw MCPError.invalid("a roots/list answer may list at most \(maxRoots) roots", details: ["path": "result.roots", "limit": .int(Int64(maxRoots))])
        }
        for (index, root) in roots.enumerated() {
            let path = "result.roots[\(index)].uri"
            guard let uri = root["uri"]?.stringValue else {
                throw MCPError.invalid("every root needs a string 'uri'", details: ["path": .string(path)])
            }
            if let reason = refusal(uri) {
                throw MCPError.invalid("root \(index) is not a plain absolute file:// URI: \(reason)", details: ["path": .string(path), "reason": .string(reason)])
            }
        }
    }

    /// Why the URI is refused (a short reason), or nil.
    static func refusal(_ uri: String) -> String? {
        guard uri.utf8.count <= maxURIBytes else { return "longer than \(maxURIBytes) bytes" }
        let lowered = uri.utf8.prefix(7).map { $0 | 0x20 }  // ASCII lowercase; only compared with letters and '/', ':'
        guard lowered.starts(with: "file:".utf8) else { return "the scheme must be file" }
        guard lowered == Array("file://".utf8) else { return "no absolute path" }
        let rest = uri.dropFirst(7)
        guard let slash = rest.firstIndex(of: "/") else { return "no absolute path" }
        let authority = rest[..<slash].lowercased()
        guard authority.isEmpty || authority == "localhost" else { return "a remote host" }
        let pathPart = rest[slash...]
        if pathPart.contains(where: { $0 == "?" || $0 == "#" }) { return "a query or fragment" }
        if pathPart.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F || $0 == UInt8(ascii: "\\") }) { return "control characters or backslashes" }
        for segment in pathPart.split(separator: "/", omittingEmptySubsequences: false) {
            guard let decoded = SchemaURI.percentDecode(String(segment)) else { return "bad percent-encoding" }
            if decoded == "." || decoded == ".." { return "a '.' or '..' segment" }
            if decoded.utf8.contains(where: { $0 == 0 || $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "\\") || $0 < 0x20 }) {
                return "an encoded slash, backslash or control character"
            }
        }
        return nil
    }
}
