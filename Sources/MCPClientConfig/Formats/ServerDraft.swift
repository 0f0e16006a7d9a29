import MCPClientCore

/// A server's normalized object being built from one source entry, remembering where in the source each normalized
/// key came from so that validation, which runs on the normalized form, reports paths in the text the user wrote.
struct ServerDraft {
    var name: String
    /// The server entry in the source (`mcpServers.github`, `servers.git`, or the root for an Aeontel body).
    var path: ConfigPath
    var object = JSONObject()
    /// Normalized key path (`oauth.client_id`) → source path, for keys that were renamed or moved.
    var origins: [String: ConfigPath] = [:]

    init(name: String, path: ConfigPath, object: JSONObject = JSONObject()) {
        self.name = name
        self.path = path
        self.object = object
    }

    /// Sets a normalized key (`"oauth.client_id"` reaches into the `oauth` object) and records its source.
    mutating func set(_ key: String, _ value: JSONValue, from source: ConfigPath? = nil) {
        let parts = key.split(separator: ".", maxSplits: 1).map(String.init)
        if parts.count == 2 {
            var inner = object[parts[0]]?.objectValue ?? JSONObject()
            inner[parts[1]] = value
            object[parts[0]] = .object(inner)
        } else {
            object[key] = value
        }
        if let source { origins[key] = source }
    }

    /// Kept keys collect here and are folded into `object` by `materialize()`: appending is O(1) where setting a
    /// key of a `JSONObject` is a scan, and a hostile entry may hold very many unknown keys.
    private var pendingUnknown = JSONObject()
    private var pendingExtras = JSONObject()
    private var pendingKeys: Set<String> = []

    /// Keeps a key that no format defines, under its path relative to the server.
    mutating func keepUnknown(_ relativeKey: String, _ value: JSONValue) {
        guard pendingKeys.insert("u" + relativeKey).inserted else { return }
        pendingUnknown.entries.append((relativeKey, value))
    }

    /// Keeps a key the source format defines but the runtime does not use.
    mutating func keepExtra(_ key: String, _ value: JSONValue) {
        guard pendingKeys.insert("x" + key).inserted else { return }
        pendingExtras.entries.append((key, value))
    }

    /// Moves the kept keys into `object["unknown"]` / `object["extras"]` (keys already there win).
    mutating func materialize() {
        for (key, pending) in [("unknown", pendingUnknown), ("extras", pendingExtras)] where !pending.isEmpty {
            var merged = object[key]?.objectValue ?? JSONObject()
            let present = Set(merged.keys)
            merged.entries.append(contentsOf: pending.entries.filter { !present.contains($0.key) })
            object[key] = .object(merged)
        }
        pendingUnknown = JSONObject()
        pendingExtras = JSONObject()
        pendingKeys = []
    }

    /// Where a normalized key came from: recorded, else its block's source plus the rest of the key. Normalized
    /// keys nest one level (`oauth.client_id`), so only the first dot separates; a user key may hold more dots.
    func origin(_ key: String) -> ConfigPath {
        if let found = origins[key] { return found }
        guard let dot = key.firstIndex(of: ".") else { return path.appending(key) }
        let block = String(key[..<dot])
        return (origins[block] ?? path.appending(block)).appending(String(key[key.index(after: dot)...]))
    }
}
