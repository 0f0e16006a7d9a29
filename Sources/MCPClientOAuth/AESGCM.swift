import COpenSSL
public import MCPClientCore

/// AES-256-GCM through OpenSSL's EVP interface: 32-byte key, 12-byte nonce, 16-byte tag.
public enum AESGCM {
    public static let keyBytes = 32
    public static let nonceBytes = 12
    public static let tagBytes = 16

    // EVP_CTRL_AEAD_SET_IVLEN / GET_TAG / SET_TAG from <openssl/evp.h>.
    private static let setIVLength: Int32 = 0x9
    private static let getTag: Int32 = 0x10
    private static let setTag: Int32 = 0x11

    /// Ciphertext followed by the tag.
    public static func seal(key: [UInt8], nonce: [UInt8], plaintext: [UInt8], aad: [UInt8]) throws(MCPError) -> [UInt8] {
        guard key.count == keyBytes, nonce.count == nonceBytes else { throw failure() }
        guard let context = EVP_CIPHER_CTX_new() else { throw failure() }
        defer { EVP_CIPHER_CTX_free(context) }
        var output = [UInt8](repeating: 0, count: plaintext.count + tagBytes)
        var length: Int32 = 0, total = 0
        guard plaintext.count < Int(Int32.max) - 64, aad.count < Int(Int32.max),
            EVP_EncryptInit_ex(context, EVP_aes_256_gcm(), nil, nil, nil) == 1,
            EVP_CIPHER_CTX_ctrl(context, setIVLength, Int32(nonceBytes), nil) == 1,
            EVP_EncryptInit_ex(context, nil, nil, key, nonce) == 1,
            aad.isEmpty || EVP_EncryptUpdate(context, nil, &length, aad, Int32(aad.count)) == 1
        else { throw failure() }
        let ok = output.withUnsafeMutableBufferPointer { out -> Bool in
            guard let base = out.baseAddress else { return false }
            if !plaintext.isEmpty {
                guard EVP_EncryptUpdate(context, base, &length, plaintext, Int32(plaintext.count)) == 1 else { return false }
                total = Int(length)
            }
            guard EVP_EncryptFinal_ex(context, base + total, &length) == 1 else { return false }
            total += Int(length)
            return total == plaintext.count && EVP_CIPHER_CTX_ctrl(context, getTag, Int32(tagBytes), base + total) == 1
        }
        guard ok else { throw failure() }
        return output
    }

    /// The plaintext, or nil when the tag does not verify (wrong key, wrong AAD or modified bytes).
    public static func open(key: [UInt8], nonce: [UInt8], sealed: [UInt8], aad: [UInt8]) -> [UInt8]? {
        guard key.count == keyBytes, nonce.count == nonceBytes, sealed.count >= tagBytes, sealed.count < Int(Int32.max),
            aad.count < Int(Int32.max), let context = EVP_CIPHER_CTX_new()
        else { return nil }
        defer { EVP_CIPHER_CTX_free(context) }
        let cipherCount = sealed.count - tagBytes
        var tag = Array(sealed[cipherCount...])
        var output = [UInt8](repeating: 0, count: cipherCount + 16)
        var length: Int32 = 0, total = 0
        guard EVP_DecryptInit_ex(context, EVP_aes_256_gcm(), nil, nil, nil) == 1,
            EVP_CIPHER_CTX_ctrl(context, setIVLength, Int32(nonceBytes), nil) == 1,
            EVP_DecryptInit_ex(context, nil, nil, key, nonce) == 1,
            aad.isEmpty || EVP_DecryptUpdate(context, nil, &length, aad, Int32(aad.count)) == 1
        else { return nil }
        let ok = output.withUnsafeMutableBufferPointer { out -> Bool in
            guard let base = out.baseAddress else { return false }
            if cipherCount > 0 {
                let updated = sealed.withUnsafeBufferPointer { input in
                    EVP_DecryptUpdate(context, base, &length, input.baseAddress, Int32(cipherCount)) == 1
                }
                guard updated else { return false }
                total = Int(length)
            }
            guard EVP_CIPHER_CTX_ctrl(context, setTag, Int32(tagBytes), &tag) == 1 else { return false }
            guard EVP_DecryptFinal_ex(context, base + total, &length) == 1 else { return false }
            total += Int(length)
            return true
        }
        ERR_clear_error()
        guard ok else { return nil }
        return Array(output.prefix(total))
    }

    private static func failure() -> MCPError {
        ERR_clear_error()
        return MCPError(.generic, "AES-256-GCM encryption failed", source: .auth, details: ["reason": "crypto_failure"])
    }
}

/// The keys the encrypted store uses: one current key for writing, older ones still accepted for reading so keys
/// can rotate. Each key has an id recorded in every file. `description` names the ids only.
public struct CredentialKeyring: Sendable, CustomStringConvertible {
    public private(set) var currentKeyID: String
    private var keys: [String: [UInt8]]

    public var description: String { "CredentialKeyring(current: \(currentKeyID), ids: \(keys.keys.sorted().joined(separator: ",")))" }
    public var keyIDs: [String] { keys.keys.sorted() }

    /// `key` must be 32 bytes. `keyID` (1–64 printable ASCII characters) defaults to one derived from the key.
    public init(key: [UInt8], keyID: String? = nil) throws(MCPError) {
        let id = try Self.checked(key: key, keyID: keyID)
        currentKeyID = id
        keys = [id: key]
    }

    /// A base64 (standard or url alphabet) 32-byte key, as given in options.
    public init(base64Key: String, keyID: String? = nil) throws(MCPError) {
        let trimmed = base64Key.trimmingASCIIWhitespace()
        guard let key = Base64Decoding.decode(trimmed) ?? Base64Decoding.decode(trimmed, urlSafe: true) else {
            throw MCPError(.config, "the credential store key is not valid base64", source: .config, details: ["reason": "store_key_invalid"])
        }
        try self.init(key: key, keyID: keyID)
    }

    /// The key from an environment variable holding base64. The error names the variable, never its value.
    public init(environmentVariable name: String, keyID: String? = nil) throws(MCPError) {
        guard let raw = getenv(name) else {
            throw MCPError(.config, "environment variable \(name) (credential store key) is not set", source: .config,
                details: ["reason": "store_key_missing", "variable": .string(name)])
        }
        do { try self.init(base64Key: String(cString: raw), keyID: keyID) } catch {
            var details = error.details
            details["variable"] = .string(name)
            throw MCPError(error.code, "\(error.message) (from \(name))", source: error.source, details: details)
        }
    }

    /// Adds an older key that records may still be encrypted with.
    public mutating func addPrevious(key: [UInt8], keyID: String? = nil) throws(MCPError) {
        let id = try Self.checked(key: key, keyID: keyID)
        guard keys[id] == nil || keys[id] == key else {
            throw MCPError(.config, "credential store key id \(id) is used by two different keys", source: .config, details: ["reason": "store_key_conflict"])
        }
        keys[id] = key
    }

    func key(id: String) -> [UInt8]? { keys[id] }
    var currentKey: [UInt8] { keys[currentKeyID] ?? [] }

    static func checked(key: [UInt8], keyID: String?) throws(MCPError) -> String {
        guard key.count == AESGCM.keyBytes else {
            throw MCPError(.config, "the credential store key must be 32 bytes (AES-256), got \(key.count)", source: .config,
                details: ["reason": "store_key_invalid"])
        }
        // A short fingerprint: identifies the key without revealing it.
        let id = keyID ?? "k" + SHA256.hash(Array("mcpclient credential key id".utf8) + key).prefix(4).map { byte in
            let digits = Array("0123456789abcdef")
            return String(digits[Int(byte >> 4)]) + String(digits[Int(byte & 0xF)])
        }.joined()
        guard (1...64).contains(id.utf8.count), id.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw MCPError(.config, "credential store key ids must be 1–64 printable ASCII characters", source: .config,
                details: ["reason": "store_key_id_invalid"])
        }
        return id
    }
}
