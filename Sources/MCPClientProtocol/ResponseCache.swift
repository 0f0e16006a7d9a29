public import MCPClientCore

/// Results a 2026-07-28 server marked cacheable (`ttlMs` > 0), per connection. Keyed by method and the params
/// that select the result (cursor, uri). A connection is one authorization context, so `cacheScope: private`
/// entries are never shared beyond it.
public final class ResponseCache: @unchecked Sendable {
    public static let cacheableMethods: Set<String> = [
        "server/discover", "tools/list", "resources/list", "resources/templates/list", "prompts/list", "resources/read",
    ]

    private struct Entry { var expires: UInt64; var value: JSONValue }
    private let entries = Locked<[String: Entry]>([:])
    private let clock: any MonotonicClock

    public init(clock: any MonotonicClock) { self.clock = clock }

    /// Entries per connection. An expired entry used to go only when its key was asked for again, so reading many
    /// distinct cacheable URIs grew the cache for the connection's lifetime.
    public static let maxEntries = 256

    /// Entries held, expired ones included until they are pruned.
    public var count: Int { entries.withLock { $0.count } }

    /// The cache key, or nil when the request must not be cached (not cacheable, or an MRTR retry).
    public static func key(method: String, params: JSONObject) -> String? {
        // tools/call (never cached, the most frequent request) is turned away before hashing the method name.
        guard method != "tools/call", cacheableMethods.contains(method), params["inputResponses"] == nil, params["requestState"] == nil else { return nil }
        if let uri = params["uri"]?.stringValue { return method + "|uri|" + uri }
        if let cursor = params["cursor"]?.stringValue { return method + "|cursor|" + cursor }
        return method
    }

    public func fresh(_ key: String) -> JSONValue? {
        let now = clock.nowNanoseconds()
        return entries.withLock { entries in
            guard let entry = entries[key] else { return nil }
            if entry.expires > now { return entry.value }
            entries[key] = nil
            return nil
        }
    }

    /// Stores a result whose `ttlMs` is positive; 0, negative or absent means stale at once.
    public func store(_ key: String, _ value: JSONValue) {
        guard let ttl = value["ttlMs"]?.int64Value, ttl > 0 else { return }
        let now = clock.nowNanoseconds()
        // A server's huge ttlMs saturates (the multiplication would trap): never expires.
        let (span, overflow) = UInt64(ttl).multipliedReportingOverflow(by: 1_000_000)
        let (sum, late) = now.addingReportingOverflow(span)
        let expires = overflow || late ? UInt64.max : sum
        entries.withLock { entries in
            if entries[key] == nil, entries.count >= Self.maxEntries {
                entries = entries.filter { $0.value.expires > now }
                // All still fresh: the one that would expire first goes.
                if entries.count >= Self.maxEntries, let soonest = entries.min(by: { $0.value.expires < $1.value.expires })?.key {
                    entries[soonest] = nil
                }
            }
            entries[key] = Entry(expires: expires, value: value)
        }
    }

    /// Drops every entry of `method` (all pages or all URIs), e.g. on list_changed or an invalid cursor.
    public func invalidate(method: String) {
        entries.withLock { entries in entries = entries.filter { $0.key != method && !$0.key.hasPrefix(method + "|") } }
    }

    public func invalidate(key: String) { entries.withLock { $0[key] = nil } }
}
