import Dispatch
import Glibc
import MCPClientCore
import MCPClientOAuth
import Testing

func temporaryDirectory() -> String {
    var template = Array("/tmp/mcpclient-oauth-store-XXXXXX".utf8CString)
    return template.withUnsafeMutableBufferPointer { buffer in
        guard let base = buffer.baseAddress, let made = mkdtemp(base) else { return "/tmp/mcpclient-oauth-store-fallback" }
        return String(cString: made)
    }
}

func removeTree(_ path: String) {
    guard let directory = opendir(path) else { return }
    while let entry = readdir(directory) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        if name != "." && name != ".." { unlink(path + "/" + name) }
    }
    closedir(directory)
    rmdir(path)
}

func fileNames(_ path: String) -> [String] {
    guard let directory = opendir(path) else { return [] }
    defer { closedir(directory) }
    var names: [String] = []
    while let entry = readdir(directory) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        if name != "." && name != ".." { names.append(name) }
    }
    return names.sorted()
}

func mode(_ path: String) -> UInt32 {
    var info = stat()
    guard stat(path, &info) == 0 else { return 0 }
    return UInt32(info.st_mode & 0o777)
}

func readBytes(_ path: String) -> [UInt8] {
    guard let file = fopen(path, "rb") else { return [] }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
        let count = fread(&buffer, 1, buffer.count, file)
        if count <= 0 { break }
        bytes += buffer.prefix(count)
    }
    return bytes
}

func writeBytes(_ path: String, _ bytes: [UInt8]) {
    guard let file = fopen(path, "wb") else { return }
    _ = fwrite(bytes, 1, bytes.count, file)
    fclose(file)
}

@Suite struct AESGCMTests {
    /// NIST GCM test vector (gcmEncryptExtIV256, Count 0 of the 96-bit-IV, 128-bit-tag, 128-bit-PT set with AAD 0).
    @Test func matchesAKnownVector() throws {
        let key = hex("31bdadd96698c204aa9ce1448ea94ae1fb4a9a0b3c9d773b51bb1822666b8f22")
        let nonce = hex("0d18e06c7c725ac9e362e1ce")
        let plaintext = hex("2db5168e932556f8089a0622981d017d")
        let sealed = try AESGCM.seal(key: key, nonce: nonce, plaintext: plaintext, aad: [])
        #expect(sealed == hex("fa4362189661d163fcd6a56d8bf0405a" + "d636ac1bbedd5cc3ee727dc2ab4a9489"))
        #expect(AESGCM.open(key: key, nonce: nonce, sealed: sealed, aad: []) == plaintext)
        var tampered = sealed
        tampered[0] ^= 1
        #expect(AESGCM.open(key: key, nonce: nonce, sealed: tampered, aad: []) == nil)
        #expect(AESGCM.open(key: key, nonce: nonce, sealed: sealed, aad: [1]) == nil)
    }

    func hex(_ text: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var iterator = text.utf8.makeIterator()
        while let high = iterator.next(), let low = iterator.next() {
            func value(_ c: UInt8) -> UInt8 { c >= 0x61 ? c - 0x61 + 10 : c - 0x30 }
            bytes.append(value(high) << 4 | value(low))
        }
        return bytes
    }
}

@Suite(.serialized) struct EncryptedFileStoreTests {
    let keyA = [UInt8](repeating: 0xA1, count: 32)
    let keyB = [UInt8](repeating: 0xB2, count: 32)
    let key = CredentialKey(user: "alice", server: "github", kind: .tokens)
    let secret = Array(#"{"access_token":"at-SECRET-TOKEN-123"}"#.utf8)

    @Test func roundTripAndPermissions() throws {
        let root = temporaryDirectory()
        let directory = root + "/nested/store"
        defer {
            removeTree(directory)
            rmdir(root + "/nested")
            rmdir(root)
        }
        let store = try EncryptedFileCredentialStore(directory: directory, keyring: try CredentialKeyring(key: keyA, keyID: "a"))
        #expect(try store.get(key) == nil)
        try store.put(key, secret, ttlSeconds: nil)
        #expect(try store.get(key) == secret)
        #expect(mode(directory) == 0o700)
        let files = fileNames(directory)
        #expect(files.count == 1)
        #expect(mode(directory + "/" + files[0]) == 0o600)
        // The file holds neither the secret nor the user or server names.
        let raw = String(decoding: readBytes(directory + "/" + files[0]), as: UTF8.self)
        #expect(!raw.containsLiteral("SECRET") && !files[0].containsLiteral("alice") && !files[0].containsLiteral("github"))
        // Other kinds and users are separate records.
        #expect(try store.get(CredentialKey(user: "alice", server: "github", kind: .registration)) == nil)
        #expect(try store.get(CredentialKey(user: "bob", server: "github", kind: .tokens)) == nil)
        try store.delete(key)
        #expect(try store.get(key) == nil)
        try store.delete(key)
    }

    @Test func tighteningAnExistingDirectory() throws {
        let directory = temporaryDirectory()
        defer { removeTree(directory) }
        chmod(directory, 0o755)
        _ = try EncryptedFileCredentialStore(directory: directory, keyring: try CredentialKeyring(key: keyA))
        #expect(mode(directory) == 0o700)
    }

    @Test func tamperingIsAClearError() throws {
        let directory = temporaryDirectory()
        defer { removeTree(directory) }
        let store = try EncryptedFileCredentialStore(directory: directory, keyring: try CredentialKeyring(key: keyA, keyID: "a"))
        try store.put(key, secret, ttlSeconds: nil)
        let path = directory + "/" + fileNames(directory)[0]
        let original = readBytes(path)
        for index in [0, 9, 12, original.count / 2, original.count - 1] {
            var bytes = original
            bytes[index] ^= 0x01
            writeBytes(path, bytes)
            let error = #expect(throws: MCPError.self) { try store.get(self.key) }
            let reason = error?.details["reason"]?.stringValue ?? ""
            #expect(["record_tampered", "record_corrupt", "record_unknown_key"].contains(reason), "byte \(index): \(reason)")
            #expect(error?.json.jsonString.containsLiteral("SECRET") == false)
        }
        writeBytes(path, Array(original.prefix(20)))
        #expect(throws: MCPError.self) { try store.get(self.key) }
        writeBytes(path, [])
        #expect(throws: MCPError.self) { try store.get(self.key) }
    }

    @Test func aRecordMovedToAnotherKeyDoesNotOpen() throws {
        let directory = temporaryDirectory()
        defer { removeTree(directory) }
        let store = try EncryptedFileCredentialStore(directory: directory, keyring: try CredentialKeyring(key: keyA))
        let other = CredentialKey(user: "mallory", server: "github", kind: .tokens)
        try store.put(key, secret, ttlSeconds: nil)
        let source = directory + "/" + fileNames(directory)[0]
        try store.put(other, Array("mine".utf8), ttlSeconds: nil)
        let target = directory + "/" + (try #require(fileNames(directory).first { directory + "/" + $0 != source }))
        writeBytes(target, readBytes(source))
        let error = #expect(throws: MCPError.self) { try store.get(other) }
        #expect(error?.details["reason"] == "record_tampered")
    }

    @Test func wrongKeyAndKeyRotation() throws {
        let directory = temporaryDirectory()
        defer { removeTree(directory) }
        let old = try EncryptedFileCredentialStore(directory: directory, keyring: try CredentialKeyring(key: keyA, keyID: "2025"))
        try old.put(key, secret, ttlSeconds: nil)

        // Same id, different key: authentication fails.
        let wrong = try EncryptedFileCredentialStore(directory: directory, keyring: try CredentialKeyring(key: keyB, keyID: "2025"))
        #expect((#expect(throws: MCPError.self) { try wrong.get(self.key) })?.details["reason"] == "record_tampered")

        // A new current key without the old one: the old record's key id is unknown.
        let newOnly = try EncryptedFileCredentialStore(directory: directory, keyring: try CredentialKeyring(key: keyB, keyID: "2026"))
        let unknown = #expect(throws: MCPError.self) { try newOnly.get(self.key) }
        #expect(unknown?.details["reason"] == "record_unknown_key")
        #expect(unknown?.message.containsLiteral("2025") == true)

        // Rotated: new writes use the new key, old records still read.
        var keyring = try CredentialKeyring(key: keyB, keyID: "2026")
        try keyring.addPrevious(key: keyA, keyID: "2025")
        let rotated = try EncryptedFileCredentialStore(directory: directory, keyring: keyring)
        #expect(try rotated.get(key) == secret)
        let second = CredentialKey(user: "alice", server: "linear", kind: .tokens)
        try rotated.put(second, secret, ttlSeconds: nil)
        #expect(try newOnly.get(second) == secret)
        #expect(throws: MCPError.self) { try old.get(second) }
        #expect(!keyring.description.containsLiteral("oaGh"))
    }

    @Test func ttlIsEnforcedOnRead() throws {
        let directory = temporaryDirectory()
        defer { removeTree(directory) }
        let clock = ManualWallClock(1_700_000_000)
        let store = try EncryptedFileCredentialStore(directory: directory, keyring: try CredentialKeyring(key: keyA), clock: clock)
        try store.put(key, secret, ttlSeconds: 60)
        clock.advance(by: 59)
        #expect(try store.get(key) == secret)
        clock.advance(by: 1)
        #expect(try store.get(key) == nil)
        #expect(fileNames(directory).isEmpty)
        try store.put(key, secret, ttlSeconds: Int64.max)
        clock.advance(by: 1_000_000_000)
        #expect(try store.get(key) == secret)
    }

    @Test func concurrentPutsFromManyThreads() throws {
        let directory = temporaryDirectory()
        defer { removeTree(directory) }
        let store = try EncryptedFileCredentialStore(directory: directory, keyring: try CredentialKeyring(key: keyA))
        let failures = Locked(0)
        DispatchQueue.concurrentPerform(iterations: 64) { index in
            let shared = CredentialKey(user: "alice", server: "shared", kind: .tokens)
            let own = CredentialKey(user: "user\(index)", server: "s", kind: .tokens)
            do {
                try store.put(shared, Array("value-\(index)".utf8), ttlSeconds: nil)
                try store.put(own, Array("own-\(index)".utf8), ttlSeconds: nil)
                guard try store.get(own) == Array("own-\(index)".utf8), let read = try store.get(shared),
                    String(decoding: read, as: UTF8.self).hasPrefix("value-")
                else { return failures.withLock { $0 += 1 } }
            } catch { failures.withLock { $0 += 1 } }
        }
        #expect(failures.withLock { $0 } == 0)
        // 64 own records and one shared one; no temporary files left behind.
        #expect(fileNames(directory).count == 65)
        #expect(fileNames(directory).allSatisfy { $0.hasSuffix(".cred") })
    }

    @Test func keyringFromOptionsAndEnvironment() throws {
        let base64 = Base64.encode(keyA)
        #expect(try CredentialKeyring(base64Key: base64).currentKeyID.hasPrefix("k"))
        #expect(try CredentialKeyring(base64Key: base64).currentKeyID == CredentialKeyring(key: keyA).currentKeyID)
        #expect(try CredentialKeyring(base64Key: base64).currentKeyID != CredentialKeyring(key: keyB).currentKeyID)
        setenv("MCPCLIENT_TEST_STORE_KEY", base64, 1)
        defer { unsetenv("MCPCLIENT_TEST_STORE_KEY") }
        #expect(try CredentialKeyring(environmentVariable: "MCPCLIENT_TEST_STORE_KEY", keyID: "env").currentKeyID == "env")
        let missing = #expect(throws: MCPError.self) { try CredentialKeyring(environmentVariable: "MCPCLIENT_TEST_STORE_KEY_ABSENT") }
        #expect(missing?.details["reason"] == "store_key_missing")
        setenv("MCPCLIENT_TEST_STORE_KEY", Base64.encode(Array(keyA.prefix(16))), 1)
        let short = #expect(throws: MCPError.self) { try CredentialKeyring(environmentVariable: "MCPCLIENT_TEST_STORE_KEY") }
        #expect(short?.json.jsonString.containsLiteral(Base64.encode(Array(keyA.prefix(16)))) == false)
        #expect(throws: MCPError.self) { try CredentialKeyring(base64Key: "not base64!") }
    }
}

@Suite struct MemoryStoreTests {
    @Test func roundTripTTLAndDelete() throws {
        let clock = ManualWallClock(100)
        let store = MemoryCredentialStore(clock: clock)
        let key = CredentialKey(user: "u", server: "s", kind: .flow)
        try store.putJSON(key, ["state": "x"], ttlSeconds: 10)
        #expect(try store.getJSON(key)?["state"] == "x")
        clock.advance(by: 10)
        #expect(try store.get(key) == nil)
        try store.put(key, [1], ttlSeconds: nil)
        try store.delete(key)
        #expect(try store.get(key) == nil)
    }

    @Test func keysCannotCollideThroughSeparators() {
        let a = CredentialKey(user: "a/b", server: "c", kind: .tokens)
        let b = CredentialKey(user: "a", server: "b/c", kind: .tokens)
        #expect(a.canonical != b.canonical)
    }
}
