import Dispatch
import Glibc
import MCPClientCore
import MCPClientOAuth
import Testing

@testable import MCPClientABI

private let USER: Int32 = -13

/// A host's key-value backend, reached from the C callbacks through user_data.
final class FakeHostBackend: @unchecked Sendable {
    let records = Locked<[String: [UInt8]]>([:])
    let ttls = Locked<[String: Int64]>([:])
    /// Status each operation returns instead of working (nil: work normally).
    let failures = Locked<[String: Int32]>([:])
    /// get returns 0 without handing over a value.
    let forgetToSet = Locked(false)
    /// The last value sink seen, to try using it after its call.
    let lastSink = Locked<OpaquePointer?>(nil)

    var userData: UnsafeMutableRawPointer { Unmanaged.passUnretained(self).toOpaque() }

    static func from(_ userData: UnsafeMutableRawPointer?) -> FakeHostBackend? {
        userData.map { Unmanaged<FakeHostBackend>.fromOpaque($0).takeUnretainedValue() }
    }
}

let fakeGet: StoreGetFunction = { key, value, userData in
    guard let key, let host = FakeHostBackend.from(userData) else { return -100 }
    if let failure = host.failures.withLock({ $0["get"] }) { return failure }
    host.lastSink.withLock { $0 = value }
    if host.forgetToSet.withLock({ $0 }) { return 0 }
    guard let bytes = host.records.withLock({ $0[String(cString: key)] }) else { return 1 }
    return bytes.withUnsafeBufferPointer { code(mcpStoreValueSet(value, $0.baseAddress, Int64($0.count))) } == OK ? 0 : -101
}

let fakePut: StorePutFunction = { key, bytes, length, ttl, userData in
    guard let key, let host = FakeHostBackend.from(userData), length >= 0 else { return -100 }
    if let failure = host.failures.withLock({ $0["put"] }) { return failure }
    let value = bytes.map { Array(UnsafeBufferPointer(start: $0, count: Int(length))) } ?? []
    host.records.withLock { $0[String(cString: key)] = value }
    host.ttls.withLock { $0[String(cString: key)] = ttl }
    return 0
}

let fakeDelete: StoreDeleteFunction = { key, userData in
    guard let key, let host = FakeHostBackend.from(userData) else { return -100 }
    if let failure = host.failures.withLock({ $0["delete"] }) { return failure }
    return host.records.withLock { $0.removeValue(forKey: String(cString: key)) } == nil ? 1 : 0
}

/// The store exports as a C host calls them. Serialized: some tests change MCPCLIENT_STORE_KEY.
@Suite(.serialized) struct StoreABITests {
    static let keyBytes = [UInt8](repeating: 0x5C, count: 32)
    static let key = Base64.encode(keyBytes)
    static let aliceTokens = #"{"user":"alice","server":"github","kind":"tokens"}"#
    static let secret = Array(#"{"access_token":"at-SECRET-TOKEN-123"}"#.utf8)

    func newHost(_ backend: FakeHostBackend, options: String?) throws -> OpaquePointer {
        var store: OpaquePointer?
        var error: UnsafeMutablePointer<CChar>?
        let status = mcpCredentialStoreNewHost(&store, options, fakeGet, fakePut, fakeDelete, backend.userData, &error)
        #expect(code(status) == OK, "\(takeString(error) ?? "")")
        return try #require(store)
    }

    func put(_ store: OpaquePointer?, _ keyJSON: String, _ value: [UInt8], ttl: Int64 = -1) -> (Int32, JSONValue?) {
        var error: UnsafeMutablePointer<CChar>?
        let status = value.withUnsafeBufferPointer { mcpCredentialStorePut(store, keyJSON, $0.baseAddress, Int64($0.count), ttl, &error) }
        return (code(status), takeString(error).flatMap { try? JSONParser.parse($0) })
    }

    func get(_ store: OpaquePointer?, _ keyJSON: String) -> (Int32, [UInt8]?, JSONValue?) {
        var value: UnsafeMutablePointer<CChar>?
        var length: Int64 = 0
        var error: UnsafeMutablePointer<CChar>?
        let status = mcpCredentialStoreGet(store, keyJSON, &value, &length, &error)
        let bytes = value.map { pointer in
            defer { mcpStringFree(pointer) }
            return UnsafeRawBufferPointer(start: pointer, count: Int(length)).map { $0 }
        }
        return (code(status), bytes, takeString(error).flatMap { try? JSONParser.parse($0) })
    }

    @Test func hostRecordsAreSealedAndRoundTrip() throws {
        let backend = FakeHostBackend()
        let store = try newHost(backend, options: #"{"key":"\#(Self.key)","keyId":"host-1"}"#)
        defer { mcpCredentialStoreFree(store) }

        #expect(put(store, Self.aliceTokens, Self.secret, ttl: 3600).0 == OK)
        let canonical = "mcpclient/v1/alice/github/tokens"
        #expect(backend.records.withLock { Array($0.keys) } == [canonical])
        #expect(backend.ttls.withLock { $0[canonical] } == 3600)
        let sealed = try #require(backend.records.withLock { $0[canonical] })
        #expect(!String(decoding: sealed, as: UTF8.self).containsLiteral("SECRET"))
        #expect(Array(sealed.prefix(8)) == Array("MCPCRED".utf8) + [1])
        // Exactly the file store's format: the sealer opens it with the same key, bound to the same key name.
        let keyring = try CredentialKeyring(key: Self.keyBytes, keyID: "host-1")
        #expect(try CredentialSealer(keyring: keyring).open(sealed, key: CredentialKey(user: "alice", server: "github", kind: .tokens)).value
            == Self.secret)

        let read = get(store, Self.aliceTokens)
        #expect(read.0 == OK && read.1 == Self.secret)

        // No TTL passes -1; the record is still sealed.
        #expect(put(store, #"{"user":"alice","server":"github","kind":"registration"}"#, [1, 2, 3]).0 == OK)
        #expect(backend.ttls.withLock { $0["mcpclient/v1/alice/github/registration"] } == -1)

        // A record moved to another user's key fails authentication.
        backend.records.withLock { $0["mcpclient/v1/mallory/github/tokens"] = sealed }
        let moved = get(store, #"{"user":"mallory","server":"github","kind":"tokens"}"#)
        #expect(moved.0 == INVALID && moved.2?["details"]?["reason"] == "record_tampered")

        var error: UnsafeMutablePointer<CChar>?
        #expect(code(mcpCredentialStoreDelete(store, Self.aliceTokens, &error)) == OK)
        #expect(code(mcpCredentialStoreDelete(store, Self.aliceTokens, &error)) == OK)
        let absent = get(store, Self.aliceTokens)
        #expect(absent.0 == NOT_FOUND && absent.1 == nil)
    }

    @Test func theManagerCanReachTheStoreBehindAHandle() throws {
        let backend = FakeHostBackend()
        let handle = try newHost(backend, options: #"{"key":"\#(Self.key)"}"#)
        let store = try CredentialStoreBox.from(handle)
        let key = CredentialKey(user: "u", server: "s", kind: .flow)
        try store.put(key, Self.secret, ttlSeconds: 5)
        #expect(get(handle, #"{"user":"u","server":"s","kind":"flow"}"#).1 == Self.secret)
        mcpCredentialStoreFree(handle)
        // The store object outlives its handle for whoever holds it; the handle itself is dead.
        #expect(try store.get(key) == Self.secret)
        #expect(get(handle, #"{"user":"u","server":"s","kind":"flow"}"#).0 == CLOSED)
        #expect((try? CredentialStoreBox.from(handle)) == nil)
    }

    @Test func failingHostFunctionsAreUserErrorsWithoutValues() throws {
        let backend = FakeHostBackend()
        let store = try newHost(backend, options: #"{"key":"\#(Self.key)"}"#)
        defer { mcpCredentialStoreFree(store) }
        #expect(put(store, Self.aliceTokens, Self.secret).0 == OK)

        for operation in ["get", "put", "delete"] {
            backend.failures.withLock { $0 = [operation: -7] }
            let error: JSONValue?
            switch operation {
            case "get": error = get(store, Self.aliceTokens).2
            case "put": error = put(store, Self.aliceTokens, Self.secret).1
            default:
                var raw: UnsafeMutablePointer<CChar>?
                #expect(code(mcpCredentialStoreDelete(store, Self.aliceTokens, &raw)) == USER)
                error = takeString(raw).flatMap { try? JSONParser.parse($0) }
            }
            #expect(error?["code"] == .int(Int64(USER)), "\(operation)")
            #expect(error?["details"]?["operation"] == .string(operation) && error?["details"]?["status"] == -7)
            let text = error.map { $0.jsonString } ?? ""
            #expect(!text.containsLiteral("SECRET") && !text.containsLiteral("alice") && !text.containsLiteral(Self.key))
        }
        backend.failures.withLock { $0 = [:] }

        // get answering 0 without a value, and a value sink used after its call.
        backend.forgetToSet.withLock { $0 = true }
        let unset = get(store, Self.aliceTokens)
        #expect(unset.0 == USER && unset.2?["message"]?.stringValue?.containsLiteral("mcp_store_value_set") == true)
        backend.forgetToSet.withLock { $0 = false }
        let stale = try #require(backend.lastSink.withLock { $0 })
        #expect(code(mcpStoreValueSet(stale, [1], 1)) == CLOSED)
        #expect(get(store, Self.aliceTokens).1 == Self.secret)
    }

    @Test func encryptionIsTheDefaultAndPlaintextMustBeExplicit() throws {
        let saved = getenv("MCPCLIENT_STORE_KEY").map { String(cString: $0) }
        defer { if let saved { setenv("MCPCLIENT_STORE_KEY", saved, 1) } else { unsetenv("MCPCLIENT_STORE_KEY") } }
        unsetenv("MCPCLIENT_STORE_KEY")
        let backend = FakeHostBackend()
        var store: OpaquePointer?
        var error: UnsafeMutablePointer<CChar>?
        for options in [nil, "{}"] as [String?] {
            #expect(code(mcpCredentialStoreNewHost(&store, options, fakeGet, fakePut, fakeDelete, backend.userData, &error)) == CONFIG)
            let failure = try errorJSON(error)
            #expect(failure["details"]?["variable"] == "MCPCLIENT_STORE_KEY")
            #expect(failure["message"]?.stringValue?.containsLiteral("plaintext") == true)
            #expect(store == nil)
        }
        #expect(code(mcpCredentialStoreNewHost(&store, #"{"plaintext":true,"key":"\#(Self.key)"}"#, fakeGet, fakePut, fakeDelete, nil, &error))
            == CONFIG)
        #expect(try errorJSON(error)["details"]?["path"] == "plaintext")
        #expect(code(mcpCredentialStoreNewHost(&store, #"{"keyEnv":"MCPCLIENT_NOT_SET_ANYWHERE"}"#, fakeGet, fakePut, fakeDelete, nil, &error))
            == CONFIG)
        #expect(try errorJSON(error)["details"]?["variable"] == "MCPCLIENT_NOT_SET_ANYWHERE")
        #expect(code(mcpCredentialStoreNewHost(&store, #"{"colour":"blue"}"#, fakeGet, fakePut, fakeDelete, nil, &error)) == CONFIG)
        _ = takeString(error)

        // The default variable, when set, turns encryption on without options.
        setenv("MCPCLIENT_STORE_KEY", Self.key, 1)
        let sealedStore = try newHost(backend, options: nil)
        #expect(put(sealedStore, Self.aliceTokens, Self.secret).0 == OK)
        #expect(backend.records.withLock { $0.values.allSatisfy { !String(decoding: $0, as: UTF8.self).containsLiteral("SECRET") } })
        mcpCredentialStoreFree(sealedStore)

        // Plaintext on request: the host sees the value itself.
        let plain = try newHost(backend, options: #"{"plaintext":true}"#)
        defer { mcpCredentialStoreFree(plain) }
        #expect(put(plain, Self.aliceTokens, Self.secret).0 == OK)
        #expect(backend.records.withLock { $0["mcpclient/v1/alice/github/tokens"] } == Self.secret)
        #expect(get(plain, Self.aliceTokens).1 == Self.secret)
    }

    @Test func nullAndBadArgumentsAreInvalid() throws {
        var store: OpaquePointer?
        var error: UnsafeMutablePointer<CChar>?
        #expect(code(mcpCredentialStoreNewHost(nil, nil, fakeGet, fakePut, fakeDelete, nil, &error)) == INVALID)
        #expect(try errorJSON(error)["details"]?["argument"] == "out_store")
        for (get, put, delete, name) in [
            (nil, fakePut, fakeDelete, "get_fn"), (fakeGet, nil, fakeDelete, "put_fn"), (fakeGet, fakePut, nil, "delete_fn"),
        ] as [(StoreGetFunction?, StorePutFunction?, StoreDeleteFunction?, String)] {
            #expect(code(mcpCredentialStoreNewHost(&store, #"{"plaintext":true}"#, get, put, delete, nil, &error)) == INVALID)
            #expect(try errorJSON(error)["details"]?["argument"] == .string(name))
        }
        #expect(code(mcpCredentialStoreNewMemory(nil, &error)) == INVALID)
        _ = takeString(error)
        #expect(code(mcpCredentialStoreNewFile(&store, nil, &error)) == INVALID)
        _ = takeString(error)
        #expect(code(mcpStoreValueSet(nil, [1], 1)) == INVALID)

        #expect(code(mcpCredentialStoreNewMemory(&store, &error)) == OK)
        defer { mcpCredentialStoreFree(store) }
        var value: UnsafeMutablePointer<CChar>?
        var length: Int64 = 0
        #expect(code(mcpCredentialStoreGet(store, nil, &value, &length, &error)) == INVALID)
        #expect(try errorJSON(error)["details"]?["argument"] == "key_json")
        #expect(code(mcpCredentialStoreGet(store, Self.aliceTokens, nil, &length, &error)) == INVALID)
        _ = takeString(error)
        #expect(code(mcpCredentialStoreGet(nil, Self.aliceTokens, &value, &length, &error)) == INVALID)
        _ = takeString(error)
        #expect(code(mcpCredentialStorePut(store, Self.aliceTokens, nil, 5, -1, &error)) == INVALID)
        _ = takeString(error)
        #expect(code(mcpCredentialStorePut(store, Self.aliceTokens, [1], -1, -1, &error)) == INVALID)
        _ = takeString(error)
        for bad in [#"{"user":"a","server":"","kind":"tokens"}"#, #"{"user":"a","server":"s"}"#, #"{"user":1,"server":"s","kind":"k"}"#,
            #"{"user":"a","server":"s","kind":"k","extra":1}"#, "[]", "{"]
        {
            #expect(code(mcpCredentialStoreDelete(store, bad, &error)) == INVALID, "\(bad)")
            _ = takeString(error)
        }
        // Memory store round trip, and an empty user is a valid key.
        let key = #"{"user":"","server":"s","kind":"flow"}"#
        #expect(put(store, key, [0, 1, 0]).0 == OK)
        #expect(get(store, key).1 == [0, 1, 0])
        mcpCredentialStoreFree(nil)
    }

    @Test func fileStoreThroughTheABI() throws {
        var template = Array("/tmp/mcpclient-abi-store-XXXXXX".utf8CString)
        let directory = try #require(template.withUnsafeMutableBufferPointer { $0.baseAddress.flatMap(mkdtemp).map { String(cString: $0) } })
        defer {
            if let dir = opendir(directory) {
                while let entry = readdir(dir) {
                    let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                    if name != "." && name != ".." { unlink(directory + "/" + name) }
                }
                closedir(dir)
            }
            rmdir(directory)
        }
        var store: OpaquePointer?
        var error: UnsafeMutablePointer<CChar>?
        #expect(code(mcpCredentialStoreNewFile(&store, #"{"directory":"\#(directory)","key":"\#(Self.key)"}"#, &error)) == OK)
        defer { mcpCredentialStoreFree(store) }
        #expect(put(store, Self.aliceTokens, Self.secret, ttl: 600).0 == OK)
        #expect(get(store, Self.aliceTokens).1 == Self.secret)
        // Reopened with the key: the same record; without it (a different key): tampered.
        var other: OpaquePointer?
        let wrongKey = Base64.encode([UInt8](repeating: 1, count: 32))
        #expect(code(mcpCredentialStoreNewFile(&other, #"{"directory":"\#(directory)","key":"\#(wrongKey)","keyId":"x"}"#, &error)) == OK)
        defer { mcpCredentialStoreFree(other) }
        #expect(get(other, Self.aliceTokens).2?["details"]?["reason"] == "record_unknown_key")

        #expect(code(mcpCredentialStoreNewFile(&other, #"{"key":"\#(Self.key)"}"#, &error)) == CONFIG)
        #expect(try errorJSON(error)["details"]?["path"] == "directory")
        #expect(code(mcpCredentialStoreNewFile(&other, #"{"directory":"\#(directory)","key":"c2hvcnQ="}"#, &error)) == CONFIG)
        let short = try #require(takeString(error))
        #expect(short.containsLiteral("store_key_invalid") && !short.containsLiteral("c2hvcnQ"))
    }

    @Test func hostFunctionsRunConcurrently() throws {
        let backend = FakeHostBackend()
        let store = try newHost(backend, options: #"{"key":"\#(Self.key)"}"#)
        defer { mcpCredentialStoreFree(store) }
        let failures = Locked(0)
        let raw = UInt(bitPattern: store)
        DispatchQueue.concurrentPerform(iterations: 32) { index in
            let store = OpaquePointer(bitPattern: raw)
            let key = #"{"user":"user\#(index)","server":"s","kind":"tokens"}"#
            let value = Array("value-\(index)".utf8)
            for _ in 0..<20 {
                guard put(store, key, value).0 == OK, get(store, key).1 == value else { return failures.withLock { $0 += 1 } }
            }
        }
        #expect(failures.withLock { $0 } == 0)
        #expect(backend.records.withLock { $0.count } == 32)
    }
}
