public import MCPClientCore

/// The encrypted record format (version 1) that the file store writes and that host stores receive: one place
/// seals and opens it, so a record means the same thing on disk and in a host's database.
///
/// Layout: magic `MCPCRED` + version byte 1, key-id length (1 byte) + key id, 12-byte random nonce, then the
/// AES-256-GCM sealed body (ciphertext + 16-byte tag). The body is the expiry (Int64 big-endian Unix seconds,
/// Int64.max for none) followed by the value. The AAD is the header (magic through nonce) plus the key's canonical
/// string, so a record copied to another user's or server's key fails to open.
public struct CredentialSealer: Sendable, CustomStringConvertible {
    public let keyring: CredentialKeyring

    static let magic: [UInt8] = Array("MCPCRED".utf8) + [1]

    public init(keyring: CredentialKeyring) { self.keyring = keyring }

    public var description: String { "CredentialSealer(\(keyring))" }

    /// A fresh nonce for every call: sealing the same value twice gives different bytes.
    /// The largest value that still fits a record of `EncryptedFileCredentialStore.maxRecordBytes` once sealed
    /// (header, expiry and tag), so every sealed store refuses the same sizes with the same error.
    public static let maxValueBytes = EncryptedFileCredentialStore.maxRecordBytes - 256

    public func seal(_ value: [UInt8], expiresAt: Int64, key: CredentialKey) throws(MCPError) -> [UInt8] {
        guard value.count <= Self.maxValueBytes else {
            throw MCPError(.invalid, "a credential record may hold at most \(Self.maxValueBytes) bytes", source: .auth,
                details: ["reason": "record_too_large"])
        }
        let keyID = Array(keyring.currentKeyID.utf8)
        let nonce = try RandomBytes.generate(AESGCM.nonceBytes)
        let header = Self.magic + [UInt8(keyID.count)] + keyID + nonce
        var plaintext = withUnsafeBytes(of: expiresAt.bigEndian) { Array($0) }
        plaintext.append(contentsOf: value)
        return header + (try AESGCM.seal(key: keyring.currentKey, nonce: nonce, plaintext: plaintext, aad: header + Array(key.canonical.utf8)))
    }

    /// Errors carry `details.reason`: `record_corrupt` (bad header or length), `record_unknown_key` (a key id the
    /// keyring lacks) or `record_tampered` (authentication failed: modified, moved from another key, wrong key).
    public func open(_ bytes: [UInt8], key: CredentialKey) throws(MCPError) -> (expiresAt: Int64, value: [UInt8]) {
        let magic = Self.magic
        guard bytes.count > magic.count + 1, Array(bytes.prefix(magic.count)) == magic else {
            throw Self.recordError("is not a credential record (bad header)", reason: "record_corrupt", key: key)
        }
        let idLength = Int(bytes[magic.count])
        let nonceStart = magic.count + 1 + idLength
        guard idLength > 0, bytes.count >= nonceStart + AESGCM.nonceBytes + AESGCM.tagBytes + 8 else {
            throw Self.recordError("is truncated", reason: "record_corrupt", key: key)
        }
        let keyID = String(decoding: bytes[(magic.count + 1)..<nonceStart], as: UTF8.self)
        guard let secretKey = keyring.key(id: keyID) else {
            throw Self.recordError("was written with key id \(AuthorizationCallback.printable(keyID, limit: 64)), which is not configured",
                reason: "record_unknown_key", key: key)
        }
        let headerEnd = nonceStart + AESGCM.nonceBytes
        let header = Array(bytes[..<headerEnd])
        guard let plaintext = AESGCM.open(key: secretKey, nonce: Array(bytes[nonceStart..<headerEnd]), sealed: Array(bytes[headerEnd...]),
            aad: header + Array(key.canonical.utf8)), plaintext.count >= 8
        else {
            throw Self.recordError("failed authentication: it was modified, moved from another key, or the key is wrong",
                reason: "record_tampered", key: key)
        }
        let expiresAt = plaintext.prefix(8).reduce(Int64(0)) { $0 << 8 | Int64($1) }
        return (expiresAt, Array(plaintext[8...]))
    }

    static func recordError(_ message: String, reason: String, key: CredentialKey) -> MCPError {
        MCPError(.invalid, "the stored \(key.kind.rawValue) record \(message)", source: .auth,
            details: ["reason": .string(reason), "kind": .string(key.kind.rawValue), "server": .string(key.server)])
    }
}

/// Seals every record before it reaches another store and opens it on the way back: what a host store (Redis,
/// Postgres) holds is ciphertext bound to its key. The expiry travels inside the seal and is checked on read, so a
/// backend that ignores the TTL still never returns a stale record; the TTL is passed on for the backend's own
/// cleanup.
public final class SealedCredentialStore: CredentialStore, CredentialStoreLocking, @unchecked Sendable {
    public let backend: any CredentialStore
    private let sealer: CredentialSealer
    private let clock: any WallClock

    public init(backend: any CredentialStore, keyring: CredentialKeyring, clock: any WallClock = SystemWallClock()) {
        self.backend = backend
        self.sealer = CredentialSealer(keyring: keyring)
        self.clock = clock
    }

    public func get(_ key: CredentialKey) throws(MCPError) -> [UInt8]? {
        guard let sealed = try backend.get(key) else { return nil }
        let (expiresAt, value) = try sealer.open(sealed, key: key)
        // Not deleted here: the backend may hold a newer record by now, and it got the TTL to expire this one.
        guard expiresAt > clock.nowSeconds() else { return nil }
        return value
    }

    public func put(_ key: CredentialKey, _ value: [UInt8], ttlSeconds: Int64?) throws(MCPError) {
        let expiresAt = RecordExpiry.expiresAt(now: clock.nowSeconds(), ttlSeconds: ttlSeconds)
        try backend.put(key, try sealer.seal(value, expiresAt: expiresAt, key: key), ttlSeconds: ttlSeconds)
    }

    public func delete(_ key: CredentialKey) throws(MCPError) {
        try backend.delete(key)
    }

    // Leases are not records: they go to the backend unsealed (a name and a random token, nothing secret).
    public func tryLock(_ name: String, token: String, ttlMilliseconds: Int64) throws(MCPError) -> Bool {
        try CredentialLocks.locking(for: backend).tryLock(name, token: token, ttlMilliseconds: ttlMilliseconds)
    }

    public func unlock(_ name: String, token: String) throws(MCPError) {
        try CredentialLocks.locking(for: backend).unlock(name, token: token)
    }
}
