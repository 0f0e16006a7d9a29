import MCPClientCore
@testable import MCPClientProtocol
import MCPClientTesting
import Testing

@Suite struct CacheTests {
    func server(ttl: Int64) -> InMemoryTransport {
        scriptedTransport { method, message in
            switch method {
            case "server/discover": return discoverResult
            case "tools/list": return ["tools": [["name": "a"]], "ttlMs": .int(ttl), "cacheScope": "private"]
            case "resources/read": return ["contents": [["uri": message["params"]?["uri"] ?? nil, "text": "x"]], "ttlMs": .int(ttl)]
            default: return ["content": [], "ttlMs": 60_000]
            }
        }
    }

    func session(_ transport: InMemoryTransport, _ clock: ManualScheduler) -> ClientSession {
        let session = ClientSession(rpc: RPCSession(transport: transport, scheduler: clock, clock: clock), options: ClientOptions(), clock: clock)
        session.connect(knownEra: nil, timeoutNanoseconds: 30_000_000_000) { _ in }
        return session
    }

    func count(_ transport: InMemoryTransport, _ method: String) -> Int { transport.sent.filter { $0["method"] == .string(method) }.count }

    @Test func freshEntriesAreServedFromTheCacheUntilTheirTTL() {
        let clock = ManualScheduler()
        let transport = server(ttl: 1000)
        let session = session(transport, clock)
        for _ in 0..<3 { session.listTools(timeoutNanoseconds: nil) { _ in } }
        #expect(count(transport, "tools/list") == 1)
        clock.advance(byNanoseconds: 1_000_000_000)
        session.listTools(timeoutNanoseconds: nil) { _ in }
        #expect(count(transport, "tools/list") == 2)
    }

    @Test func zeroTTLIsNeverCachedAndToolCallsNeverAre() {
        let clock = ManualScheduler()
        let transport = server(ttl: 0)
        let session = session(transport, clock)
        session.listTools(timeoutNanoseconds: nil) { _ in }
        session.listTools(timeoutNanoseconds: nil) { _ in }
        #expect(count(transport, "tools/list") == 2)
        session.callTool(name: "t", arguments: [:], timeoutNanoseconds: nil, progress: nil) { _ in }
        session.callTool(name: "t", arguments: [:], timeoutNanoseconds: nil, progress: nil) { _ in }
        #expect(count(transport, "tools/call") == 2)
    }

    @Test func readsAreKeyedByURIAndInvalidatedOneByOne() {
        let clock = ManualScheduler()
        let transport = server(ttl: 60_000)
        let session = session(transport, clock)
        for uri in ["a://1", "a://2", "a://1"] { session.request(method: "resources/read", params: ["uri": .string(uri)]) { _ in } }
        #expect(count(transport, "resources/read") == 2)
        session.cache.invalidate(key: "resources/read|uri|a://1")
        for uri in ["a://1", "a://2"] { session.request(method: "resources/read", params: ["uri": .string(uri)]) { _ in } }
        #expect(count(transport, "resources/read") == 3)
    }

    @Test func listChangedInvalidatesEveryPage() {
        let clock = ManualScheduler()
        let transport = server(ttl: 60_000)
        let session = session(transport, clock)
        session.listTools(timeoutNanoseconds: nil) { _ in }
        session.cache.invalidate(method: "tools/list")
        session.listTools(timeoutNanoseconds: nil) { _ in }
        #expect(count(transport, "tools/list") == 2)
    }
}

/// The cache of one connection stays bounded however many distinct keys it sees (resources/read of ever new URIs
/// used to keep every expired entry until its own URI was read again), and a huge ttlMs does not trap.
@Suite struct ResponseCacheBoundTests {
    @Test func distinctKeysStayWithinTheBoundExpiredOnesFirst() {
        let clock = ManualScheduler()
        let cache = ResponseCache(clock: clock)
        for index in 0..<1000 {
            cache.store("resources/read|uri|fixture://\(index)", ["contents": [], "ttlMs": 1_000])
            clock.advance(byNanoseconds: 10_000_000)  // the oldest expire as new ones come
        }
        #expect(cache.count <= ResponseCache.maxEntries)
        #expect(cache.fresh("resources/read|uri|fixture://999") != nil)

        // Every entry fresh: the one that would expire first makes room.
        let fresh = ResponseCache(clock: clock)
        fresh.store("tools/list", ["tools": [], "ttlMs": 1_000_000])
        for index in 0..<(ResponseCache.maxEntries + 10) { fresh.store("resources/read|uri|u\(index)", ["contents": [], "ttlMs": .int(Int64(2_000 + index))]) }
        #expect(fresh.count == ResponseCache.maxEntries)
        #expect(fresh.fresh("tools/list") != nil)
        #expect(fresh.fresh("resources/read|uri|u0") == nil)

        fresh.store("tools/list", ["tools": [], "ttlMs": .int(Int64.max)])
        #expect(fresh.fresh("tools/list") != nil)
    }

    /// A server's results are untrusted: one over `maxEntryBytes` is not cached, and all of a connection's together
    /// stay within `maxTotalBytes` (256 results at the 64 MiB message cap were 16 GiB).
    @Test func resultsAreBoundedInBytes() {
        let clock = ManualScheduler()
        let cache = ResponseCache(clock: clock)
        let big = String(repeating: "x", count: ResponseCache.maxEntryBytes)
        cache.store("resources/read|uri|big", ["contents": [["text": .string(big)]], "ttlMs": 60_000])
        #expect(cache.fresh("resources/read|uri|big") == nil && cache.totalBytes == 0)

        let half = String(repeating: "y", count: ResponseCache.maxEntryBytes / 2)
        for index in 0..<40 { cache.store("resources/read|uri|u\(index)", ["contents": [["text": .string(half)]], "ttlMs": .int(Int64(60_000 + index))]) }
        #expect(cache.totalBytes <= ResponseCache.maxTotalBytes)
        #expect(cache.count >= 30 && cache.count < 32)  // 16 MiB of half-MiB results, with their envelopes
        #expect(cache.fresh("resources/read|uri|u39") != nil)
        #expect(cache.fresh("resources/read|uri|u0") == nil)  // the soonest to expire made room

        // A result too large to cache also drops the stale one under its key.
        cache.store("resources/read|uri|u39", ["contents": [["text": .string(big)]], "ttlMs": 60_000])
        #expect(cache.fresh("resources/read|uri|u39") == nil)
        let before = cache.totalBytes
        cache.invalidate(method: "resources/read")
        #expect(before > 0 && cache.totalBytes == 0 && cache.count == 0)
    }

    @Test func approximateSizeFollowsTheJSONTextAndStopsAtTheLimit() {
        let value: JSONValue = ["tools": [["name": "echo", "description": "Echoes ✓", "inputSchema": ["type": "object", "n": 12, "ok": true]]], "ttlMs": 1_000]
        let text = JSONWriter.serialize(value).count
        let estimate = ResponseCache.approximateBytes(of: value, limit: 1 << 20) ?? 0
        #expect(estimate >= text / 2 && estimate <= text * 2, "estimate \(estimate) for \(text) bytes")
        let wide = JSONValue.array(Array(repeating: .int(1), count: 200_000))
        #expect(ResponseCache.approximateBytes(of: wide, limit: 100_000) == nil)
        #expect(ResponseCache.approximateBytes(of: wide, limit: 10_000_000) != nil)
    }
}
