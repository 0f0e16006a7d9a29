import Glibc
import MCPClientCore
import MCPClientOAuth
import Testing

/// The sealing shared by the file store and host stores, and the keyring options both are configured with.
@Suite(.serialized) struct SealedStoreTests {
    let keyA = [UInt8](repeating: 0xA1, count: 32)
    let keyB = [UInt8](repeating: 0xB2, count: 32)
    let key = CredentialKey(user: "alice", server: "github", kind: .tokens)
    let secret = Array(#"{"access_token":"at-SECRET-TOKEN-123"}"#.utf8)

    @Test func theFileStoreWritesExactlyTheSealersFormat() throws {
        let directory = temporaryDirectory()
        defer { removeTree(directory) }
        let keyring = try CredentialKeyring(key: keyA, keyID: "a")
        let store = try EncryptedFileCredentialStore(directory: directory, keyring: keyring)
        try store.put(key, secret, ttlSeconds: nil)
        let file = readBytes(directory + "/" + fileNames(directory)[0])
        let opened = try CredentialSealer(keyring: keyring).open(file, key: key)
        #expect(opened.value == secret && opened.expiresAt == Int64.max)

        // And a record sealed elsewhere (a host store's) is a valid file.
        let sealed = try CredentialSealer(keyring: keyring).seal(Array("other".utf8), expiresAt: Int64.max, key: key)
        writeBytes(directory + "/" + fileNames(directory)[0], sealed)
        #expect(try store.get(key) == Array("other".utf8))
        #expect(Array(sealed.prefix(8)) == Array("MCPCRED".utf8) + [1])
    }

    @Test func everySealedStoreTakesTheLargestValueAndRefusesOneByteMore() throws {
        let keyring = try CredentialKeyring(key: keyA)
        let directory = temporaryDirectory()
        defer { removeTree(directory) }
        let stores: [any CredentialStore] = [
            SealedCredentialStore(backend: MemoryCredentialStore(), keyring: keyring),
            try EncryptedFileCredentialStore(directory: directory, keyring: keyring),
        ]
        for store in stores {
            let largest = [UInt8](repeating: 0x41, count: CredentialSealer.maxValueBytes)
            try store.put(key, largest, ttlSeconds: nil)
            #expect(try store.get(key) == largest)
            #expect(throws: MCPError.self) { try store.put(key, largest + [0x41], ttlSeconds: nil) }
        }
    }

    @Test func sealedStoreKeepsOnlyCiphertextInTheBackend() throws {
        let clock = ManualWallClock(1_000)
        let backend = MemoryCredentialStore(clock: clock)
        let store = SealedCredentialStore(backend: backend, keyring: try CredentialKeyring(key: keyA), clock: clock)
        try store.put(key, secret, ttlSeconds: nil)
        let raw = try #require(try backend.get(key))
        #expect(raw != secret && !String(decoding: raw, as: UTF8.self).containsLiteral("SECRET"))
        #expect(try store.get(key) == secret)

        // Sealing twice gives different bytes (fresh nonce).
        try store.put(key, secret, ttlSeconds: nil)
        #expect(try backend.get(key) != raw)

        // A record moved to another key does not open.
        let other = CredentialKey(user: "mallory", server: "github", kind: .tokens)
        try backend.put(other, raw, ttlSeconds: nil)
        #expect((#expect(throws: MCPError.self) { try store.get(other) })?.details["reason"] == "record_tampered")

        // Plaintext put into the backend by someone else is refused, not returned.
        try backend.put(other, secret, ttlSeconds: nil)
        #expect((#expect(throws: MCPError.self) { try store.get(other) })?.details["reason"] == "record_corrupt")

        try store.delete(key)
        #expect(try backend.get(key) == nil && store.get(key) == nil)
    }

    @Test func expiryIsCheckedEvenWhenTheBackendIgnoresTTLs() throws {
        final class ForgetfulStore: CredentialStore, @unchecked Sendable {
            let records = Locked<[String: [UInt8]]>([:])
            let ttls = Locked<[Int64?]>([])
            func get(_ key: CredentialKey) throws(MCPError) -> [UInt8]? { records.withLock { $0[key.canonical] } }
            func put(_ key: CredentialKey, _ value: [UInt8], ttlSeconds: Int64?) throws(MCPError) {
                records.withLock { $0[key.canonical] = value }
                ttls.withLock { $0.append(ttlSeconds) }
            }
            func delete(_ key: CredentialKey) throws(MCPError) { _ = records.withLock { $0.removeValue(forKey: key.canonical) } }
        }
        let clock = ManualWallClock(5_000)
        let backend = ForgetfulStore()
        let store = SealedCredentialStore(backend: backend, keyring: try CredentialKeyring(key: keyA), clock: clock)
        try store.put(key, secret, ttlSeconds: 30)
        try store.put(CredentialKey(user: "u", server: "s", kind: .flow), [1], ttlSeconds: nil)
        #expect(backend.ttls.withLock { $0 } == [30, nil])
        clock.advance(by: 29)
        #expect(try store.get(key) == secret)
        clock.advance(by: 1)
        #expect(try store.get(key) == nil)
    }

    @Test func keyringOptions() throws {
        let base64 = Base64.encode(keyA)
        #expect(try CredentialKeyring(options: ["key": .string(base64), "keyId": "one"]).currentKeyID == "one")
        setenv("MCPCLIENT_TEST_OPTIONS_KEY", Base64.encode(keyB), 1)
        defer { unsetenv("MCPCLIENT_TEST_OPTIONS_KEY") }
        var keyring = try CredentialKeyring(options: [
            "keyEnv": "MCPCLIENT_TEST_OPTIONS_KEY", "keyId": "new",
            "previousKeys": [["key": .string(base64), "keyId": "old"], ["keyEnv": "MCPCLIENT_TEST_OPTIONS_KEY", "keyId": "same-key-other-id"]],
        ])
        #expect(keyring.currentKeyID == "new" && keyring.keyIDs == ["new", "old", "same-key-other-id"])
        #expect(throws: MCPError.self) { try keyring.addPrevious(key: keyB, keyID: "old") }

        // The default variable, when neither is given.
        let saved = getenv(CredentialKeyring.defaultEnvironmentVariable).map { String(cString: $0) }
        defer {
            if let saved { setenv(CredentialKeyring.defaultEnvironmentVariable, saved, 1) } else { unsetenv(CredentialKeyring.defaultEnvironmentVariable) }
        }
        unsetenv(CredentialKeyring.defaultEnvironmentVariable)
        let missing = #expect(throws: MCPError.self) { try CredentialKeyring(options: [:]) }
        #expect(missing?.details["variable"] == "MCPCLIENT_STORE_KEY" && missing?.details["reason"] == "store_key_missing")
        setenv(CredentialKeyring.defaultEnvironmentVariable, base64, 1)
        #expect(try CredentialKeyring(options: [:]).currentKeyID == CredentialKeyring(key: keyA).currentKeyID)

        // Mistakes name the option, never the key.
        let cases: [(JSONObject, String)] = [
            (["key": .string(base64), "keyEnv": "X"], "store_options_invalid"),
            (["key": 5], "store_options_invalid"),
            (["key": "c2hvcnQ="], "store_key_invalid"),
            (["keyEnv": ""], "store_options_invalid"),
            (["keyEnv": "A=B"], "store_options_invalid"),
            (["key": .string(base64), "keyId": "has space"], "store_key_id_invalid"),
            (["key": .string(base64), "previousKeys": [["keyId": "x"]]], "store_options_invalid"),
            (["key": .string(base64), "previousKeys": [["key": .string(base64), "extra": 1]]], "store_options_invalid"),
            (["key": .string(base64), "previousKeys": "x"], "store_options_invalid"),
            (["key": .string(base64), "previousKeys": [["key": .string(Base64.encode(keyB)), "keyId": "dup"], ["key": .string(base64), "keyId": "dup"]]],
             "store_key_conflict"),
        ]
        for (options, reason) in cases {
            let error = #expect(throws: MCPError.self) { try CredentialKeyring(options: options) }
            #expect(error?.details["reason"]?.stringValue == reason, "\(options.keys)")
            #expect(error?.json.jsonString.containsLiteral(base64) == false)
        }
    }
}
