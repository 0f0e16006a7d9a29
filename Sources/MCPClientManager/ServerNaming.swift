import MCPClientCore

/// Names for created servers (LibreChat derives them from the title and avoids raw and normalised clashes).
enum ServerNaming {
    static let maxNameBytes = 64
    static let maxSuffix = 10_000

    /// A title as a name: lower case, `[a-z0-9_-]`, spaces, dots and slashes become `-`, runs of `-` collapse,
    /// `mcp-server` when nothing is left.
    static func slug(_ title: String) -> String {
        var slug = ""
        for byte in title.lowercased().utf8 {
            let isNameByte = (byte >= 0x30 && byte <= 0x39) || (byte >= 0x61 && byte <= 0x7A) || byte == UInt8(ascii: "_")
            if isNameByte {
                slug.unicodeScalars.append(Unicode.Scalar(byte))
            } else if byte == UInt8(ascii: "-") || byte == UInt8(ascii: " ") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "/") {
                if !slug.isEmpty, !slug.hasSuffix("-") { slug += "-" }
            }
            if slug.utf8.count >= maxNameBytes { break }
        }
        while slug.hasSuffix("-") { slug.removeLast() }
        return slug.isEmpty ? "mcp-server" : slug
    }

    /// The form tool names carry (management.md §9: LibreChat's normalizeServerName), compared without case: two
    /// servers with the same normalised name would shadow each other's tools.
    static func normalised(_ name: String) -> String {
        var result = ""
        for byte in name.lowercased().utf8 {
            let keep = (byte >= 0x30 && byte <= 0x39) || (byte >= 0x61 && byte <= 0x7A) || byte == UInt8(ascii: "_")
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
            result.unicodeScalars.append(keep ? Unicode.Scalar(byte) : "_")
        }
        while result.hasPrefix("_") { result.removeFirst() }
        while result.hasSuffix("_") { result.removeLast() }
        return result
    }

    /// The existing name `name` clashes with, raw or normalised, or nil.
    static func clash(_ name: String, existing: some Sequence<String>) -> String? {
        let key = normalised(name)
        return existing.first { $0 == name || normalised($0) == key }
    }

    /// `base`, else `base-2`, `base-3`, … (the base shortened so the name stays within 64 bytes).
    static func available(_ base: String, existing: [String]) -> String? {
        let taken = Set(existing.map(normalised))
        if !taken.contains(normalised(base)) { return base }
        for number in 2...maxSuffix {
            let suffix = "-\(number)"
            let candidate = String(decoding: base.utf8.prefix(maxNameBytes - suffix.utf8.count), as: UTF8.self) + suffix
            if !taken.contains(normalised(candidate)) { return candidate }
        }
        return nil
    }
}
