public import MCPClientCore

/// Results a 2026-07-28 server marked cacheable (`ttlMs` > 0), per connection. Keyed by method and the params
/// that select the result (cursor, uri). A connection is one authorization context, so `cacheScope: private`
/// entries are never shared beyond it.
public final class ResponseCache: @unchecked Sendable {
    public static let cacheableMethods: Set<String> = [
        "server/discover", "tools/list", "resources/list", "resources/templates/list", "prompts/list", "resources/read",
    ]

    private struct Entry {
        var expires: UInt64
        var value: JSONValue
        var bytes: Int
    }

    private struct Entries {
        var byKey: [String: Entry] = [:]
        var bytes = 0

        mutating func remove(_ key: String) {
            if let entry = byKey.removeValue(forKey: key) { bytes -= entry.bytes }
        }

        mutating func removeAll(where shouldRemove: (String, Entry) -> Bool) {
            for (key, entry) in byKey where shouldRemove(key, entry) { remove(key) }
        }
    }

    private let entries = Locked(Entries())
    private let clock: any MonotonicClock

    public init(clock: any MonotonicClock) { self.clock = clock }

    /// Entries per connection. An expired entry used to go only when its key was asked for again, so reading many
    /// distinct cacheable URIs grew the cache for the connection's lifetime.
    public static let maxEntries = 256
    /// A larger result is not cached: a server's results are untrusted, and 256 of them at the 64 MiB message cap
    /// would be 16 GiB.
    public static let maxEntryBytes = 1 << 20
    /// All entries of one connection together (their approximate size, `approximateBytes`).
    public static let maxTotalBytes = 16 << 20

    /// Entries held, expired ones included until they are pruned.
    var count: Int { entries.withLock { $0.byKey.count } }
    /// Their approximate size in bytes.
    var totalBytes: Int { entries.withLock { $0.bytes } }

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
            guard let entry = entries.byKey[key] else { return nil }
            if entry.expires > now { return entry.value }
            entries.remove(key)
            return nil
        }
    }

    /// Stores a result whose `ttlMs` is positive; 0, negative or absent means stale at once. One over
    /// `maxEntryBytes` is not kept (nor an older one for its key).
    public func store(_ key: String, _ value: JSONValue) {
        guard let ttl = value["ttlMs"]?.int64Value, ttl > 0 else { return }
        let size = Self.approximateBytes(of: value, limit: Self.maxEntryBytes)
        let now = clock.nowNanoseconds()
        // A server's huge ttlMs saturates (the multiplication would trap): never expires.
        let (span, overflow) = UInt64(ttl).multipliedReportingOverflow(by: 1_000_000)
        let (sum, late) = now.addingReportingOverflow(span)
        let expires = overflow || late ? UInt64.max : sum
        entries.withLock { entries in
            entries.remove(key)
            guard let size else { return }
            func full() -> Bool { entries.byKey.count >= Self.maxEntries || entries.bytes + size > Self.maxTotalBytes }
            if full() { entries.removeAll { $1.expires <= now } }
            // All still fresh: those that would expire first go.
            while full(), let soonest = entries.byKey.min(by: { $0.value.expires < $1.value.expires })?.key { entries.remove(soonest) }
            entries.byKey[key] = Entry(expires: expires, value: value, bytes: size)
            entries.bytes += size
        }
    }

    /// Drops every entry of `method` (all pages or all URIs), e.g. on list_changed or an invalid cursor.
    public func invalidate(method: String) {
        entries.withLock { entries in entries.removeAll { key, _ in key == method || key.hasPrefix(method + "|") } }
    }

    public func invalidate(key: String) { entries.withLock { $0.remove(key) } }

    /// About what `value` takes as JSON text (strings and keys by their UTF-8 bytes, numbers and punctuation by a
    /// small constant), or nil once it is over `limit`: the walk stops there, so a huge result costs no more than
    /// `limit` to refuse. The reply's wire size does not reach the session (a streamable HTTP reply comes parsed).
    static func approximateBytes(of value: JSONValue, limit: Int) -> Int? {
        var total = 0
        var pending: [JSONValue] = [value]
        while let next = pending.popLast() {
            switch next {
            case .null, .bool: total += 5
            case .int, .double: total += 12
            case .string(let text): total += text.utf8.count + 2
            case .array(let elements):
                total += 2 + elements.count
                if total <= limit { pending.append(contentsOf: elements) }
            case .object(let object):
                total += 2
                for (key, member) in object where total <= limit {
                    total += key.utf8.count + 4
                    pending.append(member)
                }
            }
            if total > limit { return nil }
        }
        return total
    }
}
