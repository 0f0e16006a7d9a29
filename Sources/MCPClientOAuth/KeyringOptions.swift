public import MCPClientCore

/// Store keys from JSON options, the same shape wherever a key is configured (file store, host store):
/// `{"key": "<base64 32 bytes>" | "keyEnv": "VAR", "keyId"?: "…", "previousKeys"?: [{"key"|"keyEnv", "keyId"?}]}`.
extension CredentialKeyring {
    /// Read when the options name no key.
    public static let defaultEnvironmentVariable = "MCPCLIENT_STORE_KEY"

    /// The option names this parser reads; callers add their own when they reject unknown options.
    public static let optionNames: Set<String> = ["key", "keyEnv", "keyId", "previousKeys"]

    /// True when `options` has `key` or `keyEnv`.
    public static func namesKey(_ options: JSONObject) -> Bool {
        options["key"] != nil || options["keyEnv"] != nil
    }

    /// The current key from `key` or `keyEnv` (neither: `defaultEnvironmentVariable`), plus `previousKeys` for
    /// reading records written before a rotation. Errors name options and variables, never a key.
    public init(options: JSONObject) throws(MCPError) {
        self = try Self.entry(options, path: "", allowDefault: true)
        guard let previous = options["previousKeys"] else { return }
        guard let list = previous.arrayValue, list.count <= 16 else {
            throw Self.optionError("'previousKeys' must be an array of at most 16 {\"key\"|\"keyEnv\", \"keyId\"} objects", path: "previousKeys")
        }
        for (index, item) in list.enumerated() {
            let path = "previousKeys[\(index)]"
            guard let object = item.objectValue else { throw Self.optionError("'\(path)' must be an object", path: path) }
            if let unknown = object.keys.first(where: { !["key", "keyEnv", "keyId"].contains($0) }) {
                throw Self.optionError("unknown option '\(path).\(unknown)'", path: path + "." + unknown)
            }
            let old = try Self.entry(object, path: path + ".", allowDefault: false)
            try addPrevious(key: old.currentKey, keyID: old.currentKeyID)
        }
    }

    private static func entry(_ object: JSONObject, path: String, allowDefault: Bool) throws(MCPError) -> CredentialKeyring {
        var keyID: String?
        if let id = object["keyId"] {
            guard let text = id.stringValue else { throw optionError("'\(path)keyId' must be a string", path: path + "keyId") }
            keyID = text
        }
        switch (object["key"], object["keyEnv"]) {
        case (.some, .some):
            throw optionError("give '\(path)key' or '\(path)keyEnv', not both", path: path + "key")
        case (.some(let key), nil):
            // The value is a secret: the message says what is wrong with it, never what it is.
            guard let text = key.stringValue else { throw optionError("'\(path)key' must be a base64 string", path: path + "key") }
            return try CredentialKeyring(base64Key: text, keyID: keyID)
        case (nil, .some(let variable)):
            guard let name = variable.stringValue, !name.isEmpty, name.utf8.count <= 256, !name.utf8.contains(0), !name.utf8.contains(UInt8(ascii: "=")) else {
                throw optionError("'\(path)keyEnv' must be an environment variable name", path: path + "keyEnv")
            }
            return try CredentialKeyring(environmentVariable: name, keyID: keyID)
        case (nil, nil):
            guard allowDefault else { throw optionError("'\(path)' needs 'key' or 'keyEnv'", path: String(path.dropLast())) }
            return try CredentialKeyring(environmentVariable: defaultEnvironmentVariable, keyID: keyID)
        }
    }

    private static func optionError(_ message: String, path: String) -> MCPError {
        MCPError(.config, message, source: .config, details: ["reason": "store_options_invalid", "path": .string(path)])
    }
}
