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

    /// Keeps a key that no format defines, under its path relative to the server.
    mutating func keepUnknown(_ relativeKey: String, _ value: JSONValue) {
        var unknown = object["unknown"]?.objectValue ?? JSONObject()
        unknown[relativeKey] = value
        object["unknown"] = .object(unknown)
    }

    /// Keeps a key the source format defines but the runtime does not use.
    mutating func keepExtra(_ key: String, _ value: JSONValue) {
        var extras = object["extras"]?.objectValue ?? JSONObject()
        extras[key] = value
        object["extras"] = .object(extras)
    }

    /// Where a normalized key came from: recorded, else its parent's source plus the last component.
    func origin(_ key: String) -> ConfigPath {
        if let found = origins[key] { return found }
        if let dot = key.lastIndex(of: ".") {
            return origin(String(key[..<dot])).appending(String(key[key.index(after: dot)...]))
        }
        return path.appending(key)
    }
}
