import Glibc
public import MCPClientCore

/// Names one stored record: whose (user), for which MCP server, and what it holds.
public struct CredentialKey: Sendable, Hashable, CustomStringConvertible {
    public struct Kind: RawRepresentable, Sendable, Hashable {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        public static let tokens = Kind(rawValue: "tokens")
        public static let registration = Kind(rawValue: "registration")
        public static let flow = Kind(rawValue: "flow")
        /// `state` → the flow's user and server (keyed by a digest of the state, never the state itself).
        public static let flowIndex = Kind(rawValue: "state")
        /// Names a lease (`CredentialStoreLocking`), never a record.
        public static let lock = Kind(rawValue: "lock")
    }

    public var user: String
    public var server: String
    public var kind: Kind

    public init(user: String, server: String, kind: Kind) {
        self.user = user
        self.server = server
        self.kind = kind
    }

    /// An unambiguous string for the key: each part percent-encoded, so a ":" or "/" in a user or server name
    /// cannot make two keys collide. Stores use it as the record's identity (and the encrypted store as AAD).
    public var canonical: String {
        "mcpclient/v1/" + FormEncoding.percentEncode(user) + "/" + FormEncoding.percentEncode(server) + "/"
            + FormEncoding.percentEncode(kind.rawValue)
    }

    public var description: String { "\(user)/\(server)/\(kind.rawValue)" }
}

/// Where tokens, client registrations and pending-flow state live. Values are opaque bytes (JSON in practice).
/// Implementations must be safe to call from any thread; a host can back this with Redis or Postgres so that a
/// callback may land on another process than the one that began the flow.
public protocol CredentialStore: Sendable {
    /// The value, or nil when absent or expired.
    func get(_ key: CredentialKey) throws(MCPError) -> [UInt8]?
    /// Stores `value`, replacing any previous one; `ttlSeconds` nil keeps it until deleted.
    func put(_ key: CredentialKey, _ value: [UInt8], ttlSeconds: Int64?) throws(MCPError)
    /// Removes the record; removing an absent record is not an error.
    func delete(_ key: CredentialKey) throws(MCPError)
}

extension CredentialStore {
    public func getJSON(_ key: CredentialKey) throws(MCPError) -> JSONValue? {
        guard let bytes = try get(key) else { return nil }
        do { return try JSONParser.parse(bytes, maxDepth: 32) } catch {
            throw MCPError(.invalid, "stored \(key.kind.rawValue) record is not valid JSON", source: .auth, details: ["reason": "record_invalid"])
        }
    }

    public func putJSON(_ key: CredentialKey, _ value: JSONValue, ttlSeconds: Int64?) throws(MCPError) {
        try put(key, JSONWriter.serialize(value), ttlSeconds: ttlSeconds)
    }
}

/// Wall-clock time in Unix seconds (token expiry is absolute), behind a seam so tests can move time.
public protocol WallClock: Sendable {
    func nowSeconds() -> Int64
}

public struct SystemWallClock: WallClock {
    public init() {}
    public func nowSeconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec)
    }
}

/// A clock tests set by hand.
public final class ManualWallClock: WallClock, @unchecked Sendable {
    private let now: Locked<Int64>
    public init(_ start: Int64) { now = Locked(start) }
    public func nowSeconds() -> Int64 { now.withLock { $0 } }
    public func advance(by seconds: Int64) { now.withLock { $0 &+= seconds } }
}

/// Expiry arithmetic shared by the stores: nil TTL never expires; TTLs are clamped so `now + ttl` cannot overflow.
enum RecordExpiry {
    static let never = Int64.max

    static func expiresAt(now: Int64, ttlSeconds: Int64?) -> Int64 {
        guard let ttlSeconds else { return never }
        return now.addingReportingOverflow(max(ttlSeconds, 0)).overflow ? never : now &+ max(ttlSeconds, 0)
    }
}

/// A record with an absolute expiry (`RecordExpiry`).
protocol ExpiringRecord {
    var expiresAt: Int64 { get }
}

extension Dictionary where Key == String, Value: ExpiringRecord {
    /// The record under `key` while it lives; an expired one is removed on the way (reads are what expire records).
    mutating func unexpired(_ key: String, now: Int64) -> Value? {
        guard let record = self[key] else { return nil }
        guard record.expiresAt > now else {
            self[key] = nil
            return nil
        }
        return record
    }
}

/// Records in process memory: for tests and hosts that want nothing on disk. Its leases are its own (process-local).
public final class MemoryCredentialStore: CredentialStore, CredentialStoreLocking, @unchecked Sendable {
    private struct Record: ExpiringRecord {
        var value: [UInt8]
        var expiresAt: Int64
    }

    private let records = Locked<[String: Record]>([:])
    private let clock: any WallClock
    private let leases = ProcessLeases()

    public init(clock: any WallClock = SystemWallClock()) { self.clock = clock }

    public func get(_ key: CredentialKey) throws(MCPError) -> [UInt8]? {
        let now = clock.nowSeconds()
        return records.withLock { $0.unexpired(key.canonical, now: now)?.value }
    }

    public func put(_ key: CredentialKey, _ value: [UInt8], ttlSeconds: Int64?) throws(MCPError) {
        let expiresAt = RecordExpiry.expiresAt(now: clock.nowSeconds(), ttlSeconds: ttlSeconds)
        records.withLock { $0[key.canonical] = Record(value: value, expiresAt: expiresAt) }
    }

    public func delete(_ key: CredentialKey) throws(MCPError) {
        _ = records.withLock { $0.removeValue(forKey: key.canonical) }
    }

    public func tryLock(_ name: String, token: String, ttlMilliseconds: Int64) throws(MCPError) -> Bool {
        try leases.tryLock(name, token: token, ttlMilliseconds: ttlMilliseconds)
    }

    public func unlock(_ name: String, token: String) throws(MCPError) { try leases.unlock(name, token: token) }
}
