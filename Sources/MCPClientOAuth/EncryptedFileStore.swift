import Glibc
public import MCPClientCore

/// Records as AES-256-GCM encrypted files, one per key, in a private directory (see docs/oauth.md "Encrypted record format").
///
/// Each file is one `CredentialSealer` record (the AAD binds it to its key, so a file copied to another user's or
/// server's name fails to open). Files are written to a temporary name, fsynced and renamed (readers see the old
/// or the new record, never half of one), mode 0600 in a 0700 directory.
public final class EncryptedFileCredentialStore: CredentialStore, CredentialStoreLocking, @unchecked Sendable {
    public let directory: String
    private let sealer: CredentialSealer
    private let clock: any WallClock
    /// Leases this process holds: the open lock file (its `flock` is the lease) and when the lease lapses.
    private let heldLocks = Locked<[String: (token: String, descriptor: Int32, expiresAt: UInt64)]>([:])

    public static let maxRecordBytes = 1024 * 1024

    public init(directory: String, keyring: CredentialKeyring, clock: any WallClock = SystemWallClock()) throws(MCPError) {
        guard !directory.isEmpty, !directory.utf8.contains(0) else {
            throw MCPError(.config, "the credential store directory is empty or invalid", source: .config, details: ["reason": "store_directory_invalid"])
        }
        self.directory = directory.hasSuffix("/") && directory.count > 1 ? String(directory.dropLast()) : directory
        self.sealer = CredentialSealer(keyring: keyring)
        self.clock = clock
        try Self.preparePrivateDirectory(self.directory)
    }

    deinit {
        for lease in heldLocks.withLock({ Array($0.values) }) { close(lease.descriptor) }
    }

    public func get(_ key: CredentialKey) throws(MCPError) -> [UInt8]? {
        let path = self.path(for: key)
        guard let (bytes, identity) = try Self.readFile(path) else { return nil }
        let (expiresAt, value) = try sealer.open(bytes, key: key)
        guard expiresAt > clock.nowSeconds() else {
            // Only the file that was read: a put may have renamed a fresh record into place meanwhile.
            var current = stat()
            if lstat(path, &current) == 0, UInt(current.st_ino) == identity.inode, UInt(current.st_dev) == identity.device { unlink(path) }
            return nil
        }
        return value
    }

    public func put(_ key: CredentialKey, _ value: [UInt8], ttlSeconds: Int64?) throws(MCPError) {
        let expiresAt = RecordExpiry.expiresAt(now: clock.nowSeconds(), ttlSeconds: ttlSeconds)
        try Self.writeAtomically(try sealer.seal(value, expiresAt: expiresAt, key: key), to: path(for: key), directory: directory)
    }

    public func delete(_ key: CredentialKey) throws(MCPError) {
        guard unlink(path(for: key)) == 0 || errno == ENOENT else { throw Self.systemError("delete", errno) }
    }

    // MARK: Leases

    /// A lease is an exclusive `flock` on `<hash of name>.lock` in the store's directory, held while the lease
    /// lasts: every process sharing the directory (and every store instance in this one: each opens its own file
    /// description) serializes on it, and the kernel drops it when a holder dies. The TTL is enforced for holders
    /// in this process (a lapsed lease's file is closed by the next taker); across processes a live holder keeps
    /// it until it unlocks or exits. Lock files stay (removing one would race a taker holding it open).
    public func tryLock(_ name: String, token: String, ttlMilliseconds: Int64) throws(MCPError) -> Bool {
        let now = SystemClock().nowNanoseconds()
        let expiresAt = now &+ UInt64(min(max(ttlMilliseconds, 1), 86_400_000)) &* 1_000_000
        let lapsed = heldLocks.withLock { held -> Int32? in
            guard let lease = held[name], lease.expiresAt <= now else { return nil }
            held[name] = nil
            return lease.descriptor
        }
        if let lapsed { close(lapsed) }
        let descriptor = open(lockPath(name), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard descriptor >= 0 else { throw Self.systemError("open lock", errno) }
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            if code == EINTR { continue }
            close(descriptor)
            if code == EWOULDBLOCK { return false }
            throw Self.systemError("lock", code)
        }
        let replaced = heldLocks.withLock { held -> Int32? in
            defer { held[name] = (token, descriptor, expiresAt) }
            return held[name]?.descriptor
        }
        if let replaced { close(replaced) }
        return true
    }

    public func unlock(_ name: String, token: String) throws(MCPError) {
        let descriptor = heldLocks.withLock { held -> Int32? in
            guard let lease = held[name], lease.token == token else { return nil }
            held[name] = nil
            return lease.descriptor
        }
        if let descriptor { close(descriptor) }  // closing the last descriptor releases the flock
    }

    func lockPath(_ name: String) -> String { directory + "/" + Self.hex("lock:" + name, 16) + ".lock" }

    static func hex(_ text: String, _ count: Int) -> String {
        let digits = Array("0123456789abcdef")
        return SHA256.hash(Array(text.utf8)).prefix(count).map { String(digits[Int($0 >> 4)]) + String(digits[Int($0 & 0xF)]) }.joined()
    }

    /// File names are hashes: they reveal neither user nor server. The user and server hashes come first so a
    /// later "forget this user" can find their files by prefix.
    func path(for key: CredentialKey) -> String {
        let hex = Self.hex
        return directory + "/" + hex("user:" + key.user, 8) + "-" + hex("server:" + key.server, 8) + "-" + hex(key.canonical, 16) + ".cred"
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
