import MCPClientConfig
import MCPClientCore

/// Names for created servers (LibreChat derives them from the title and avoids raw and normalised clashes).
enum ServerNaming {
    static let maxNameBytes = 64
    static let maxSuffix = 10_000

    /// A title as a name: the config loader's rule (`ServerConfig.slug`), so a registry and an import name a title alike.
    static func slug(_ title: String) -> String { ServerConfig.slug(title) }

    /// The form tool names carry (management.md §9: LibreChat's normalizeServerName), compared without case: two
    /// servers with the same normalised name would shadow each other's tools.
    static func normalised(_ name: String) -> String { ToolNaming.normalizeServerName(name.lowercased()) }

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
