import Glibc
public import MCPClientCore

/// Records as AES-256-GCM encrypted files, one per key, in a private directory (see docs/oauth.md "Store format").
///
/// File layout: magic `MCPCRED` + version byte 1, key-id length (1 byte) + key id, 12-byte random nonce, then the
/// sealed body (ciphertext + 16-byte tag). The body is the expiry (Int64 big-endian Unix seconds, Int64.max for
/// none) followed by the value. The AAD is the header (magic through nonce) plus the key's canonical string, so a
/// file copied to another user's or server's name fails to open. Files are written to a temporary name, fsynced
/// and renamed (readers see the old or the new record, never half of one), mode 0600 in a 0700 directory.
public final class EncryptedFileCredentialStore: CredentialStore, @unchecked Sendable {
    public let directory: String
    private let keyring: CredentialKeyring
    private let clock: any WallClock

    public static let maxRecordBytes = 1024 * 1024
    static let magic: [UInt8] = Array("MCPCRED".utf8) + [1]

    public init(directory: String, keyring: CredentialKeyring, clock: any WallClock = SystemWallClock()) throws(MCPError) {
        guard !directory.isEmpty, !directory.utf8.contains(0) else {
            throw MCPError(.config, "the credential store directory is empty or invalid", source: .config, details: ["reason": "store_directory_invalid"])
        }
        self.directory = directory.hasSuffix("/") && directory.count > 1 ? String(directory.dropLast()) : directory
        self.keyring = keyring
        self.clock = clock
        try Self.preparePrivateDirectory(self.directory)
    }

    public func get(_ key: CredentialKey) throws(MCPError) -> [UInt8]? {
        let path = self.path(for: key)
        guard let (bytes, identity) = try Self.readFile(path) else { return nil }
        let (expiresAt, value) = try decode(bytes, key: key)
        guard expiresAt > clock.nowSeconds() else {
            // Only the file that was read: a put may have renamed a fresh record into place meanwhile.
            var current = stat()
            if lstat(path, &current) == 0, UInt(current.st_ino) == identity.inode, UInt(current.st_dev) == identity.device { unlink(path) }
            return nil
        }
        return value
    }

    public func put(_ key: CredentialKey, _ value: [UInt8], ttlSeconds: Int64?) throws(MCPError) {
        guard value.count <= Self.maxRecordBytes - 256 else {
            throw MCPError(.invalid, "credential record is larger than \(Self.maxRecordBytes) bytes", source: .auth, details: ["reason": "record_too_large"])
        }
        let expiresAt = RecordExpiry.expiresAt(now: clock.nowSeconds(), ttlSeconds: ttlSeconds)
        try Self.writeAtomically(try encode(value, expiresAt: expiresAt, key: key), to: path(for: key), directory: directory)
    }

    public func delete(_ key: CredentialKey) throws(MCPError) {
        guard unlink(path(for: key)) == 0 || errno == ENOENT else { throw Self.systemError("delete", errno) }
    }

    /// File names are hashes: they reveal neither user nor server. The user and server hashes come first so a
    /// later "forget this user" can find their files by prefix.
    func path(for key: CredentialKey) -> String {
        func hex(_ text: String, _ count: Int) -> String {
            let digits = Array("0123456789abcdef")
            return SHA256.hash(Array(text.utf8)).prefix(count).map { String(digits[Int($0 >> 4)]) + String(digits[Int($0 & 0xF)]) }.joined()
        }
        return directory + "/" + hex("user:" + key.user, 8) + "-" + hex("server:" + key.server, 8) + "-" + hex(key.canonical, 16) + ".cred"
    }

    // MARK: Record format

    func encode(_ value: [UInt8], expiresAt: Int64, key: CredentialKey) throws(MCPError) -> [UInt8] {
        let keyID = Array(keyring.currentKeyID.utf8)
        let nonce = try RandomBytes.generate(AESGCM.nonceBytes)
        let header = Self.magic + [UInt8(keyID.count)] + keyID + nonce
        var plaintext = withUnsafeBytes(of: expiresAt.bigEndian) { Array($0) }
        plaintext.append(contentsOf: value)
        return header + (try AESGCM.seal(key: keyring.currentKey, nonce: nonce, plaintext: plaintext, aad: header + Array(key.canonical.utf8)))
    }

    func decode(_ bytes: [UInt8], key: CredentialKey) throws(MCPError) -> (expiresAt: Int64, value: [UInt8]) {
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

    // MARK: Files

    static func systemError(_ operation: String, _ code: Int32) -> MCPError {
        let text = strerror(code).map { String(cString: $0) } ?? "error \(code)"
        return MCPError(.generic, "credential store: \(operation) failed: \(text)", source: .auth,
            details: ["reason": "store_io", "errno": .int(Int64(code))])
    }

    /// Creates the directory (and missing parents) with 0700; an existing one must be a real directory owned by
    /// this user, and is tightened to 0700.
    static func preparePrivateDirectory(_ path: String) throws(MCPError) {
        var prefix = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            prefix += "/" + component
            if mkdir(prefix, 0o700) != 0, errno != EEXIST { throw systemError("mkdir", errno) }
        }
        var info = stat()
        guard lstat(path, &info) == 0 else { throw systemError("stat", errno) }
        guard info.st_mode & S_IFMT == S_IFDIR else {
            throw MCPError(.config, "the credential store path is not a directory (or is a symlink)", source: .config,
                details: ["reason": "store_directory_invalid"])
        }
        guard info.st_uid == geteuid() else {
            throw MCPError(.policy, "the credential store directory belongs to another user", source: .config,
                details: ["reason": "store_directory_not_owned"])
        }
        if info.st_mode & 0o077 != 0, chmod(path, 0o700) != 0 { throw systemError("chmod", errno) }
    }

    struct FileIdentity {
        var device: UInt
        var inode: UInt
    }

    static func readFile(_ path: String) throws(MCPError) -> (bytes: [UInt8], identity: FileIdentity)? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        if descriptor < 0 {
            if errno == ENOENT { return nil }
            throw systemError("open", errno)
        }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw systemError("stat", errno) }
        guard info.st_size >= 0, info.st_size <= maxRecordBytes else {
            throw MCPError(.invalid, "credential record file is larger than \(maxRecordBytes) bytes", source: .auth, details: ["reason": "record_corrupt"])
        }
        var bytes = [UInt8](repeating: 0, count: Int(info.st_size))
        var offset = 0
        while offset < bytes.count {
            let count = bytes.withUnsafeMutableBytes { read(descriptor, $0.baseAddress.map { $0 + offset }, $0.count - offset) }
            if count < 0 {
                if errno == EINTR { continue }
                throw systemError("read", errno)
            }
            if count == 0 { break }
            offset += count
        }
        return (Array(bytes.prefix(offset)), FileIdentity(device: UInt(info.st_dev), inode: UInt(info.st_ino)))
    }

    static func writeAtomically(_ bytes: [UInt8], to path: String, directory: String) throws(MCPError) {
        let suffix = try RandomBytes.generate(8).map { String($0, radix: 16) }.joined()
        let temporary = path + ".tmp-" + suffix
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard descriptor >= 0 else { throw systemError("create", errno) }
        var failure: MCPError?
        var offset = 0
        while offset < bytes.count {
            let count = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress.map { $0 + offset }, $0.count - offset) }
            if count < 0 {
                if errno == EINTR { continue }
                failure = systemError("write", errno)
                break
            }
            offset += count
        }
        if failure == nil, fchmod(descriptor, 0o600) != 0 { failure = systemError("chmod", errno) }
        if failure == nil, fsync(descriptor) != 0 { failure = systemError("fsync", errno) }
        close(descriptor)
        if failure == nil, rename(temporary, path) != 0 { failure = systemError("rename", errno) }
        if let failure {
            unlink(temporary)
            throw failure
        }
        // Makes the rename itself durable.
        let directoryDescriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directoryDescriptor >= 0 {
            fsync(directoryDescriptor)
            close(directoryDescriptor)
        }
    }
}
