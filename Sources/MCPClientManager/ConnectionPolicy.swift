import MCPClientCore

/// How the manager keeps connections alive and stops hammering servers that fail (management.md §6, §8).
public struct ConnectionPolicy: Sendable, Equatable {
    /// A user's connection closes after this long unused (0: never). Shared connections never idle out.
    public var userIdleTimeoutMs = 900_000
    /// Reconnects after a connection is lost with an error: at most this many, waiting about 2 s, 4 s, 8 s.
    public var reconnectAttempts = 3
    public var reconnectBaseMs = 1_000
    public var reconnectMaxMs = 30_000
    public var reconnectJitterMs = 1_000
    /// Cycle breaker: this many connect/disconnect cycles within the window open it for the cooldown.
    public var cycleLimit = 7
    public var cycleWindowMs = 45_000
    public var cycleCooldownMs = 15_000
    /// Failure breaker: this many failed connects within the window open it for base·2^(n−limit), capped.
    public var failureLimit = 3
    public var failureWindowMs = 120_000
    public var failureBackoffBaseMs = 30_000
    public var failureBackoffMaxMs = 300_000
    /// A handshake-era connection unused this long is pinged before its next use (0: never); one that does not answer
    /// within `livenessTimeoutMs` is replaced. Modern servers are stateless per request and need no ping.
    public var livenessCheckMs = 60_000
    public var livenessTimeoutMs = 5_000
    /// A created server's record is re-read from the store at most this often when used, so a change made by another
    /// process sharing the store rebuilds this process's connections too (LibreChat's registry read-through: 5 s).
    public var registryRecheckMs = 5_000

    public init() {}

    /// The wait before reconnect attempt `attempt` (from 1): min(base·2^attempt, max) + jitter.
    func reconnectDelayMs(attempt: Int, jitter: Int) -> Int {
        let exponent = min(max(attempt, 0), 20)
        let delay = min(reconnectBaseMs.multipliedReportingOverflow(by: 1 << exponent).partialValue, reconnectMaxMs)
        return delay + (reconnectJitterMs > 0 ? abs(jitter) % (reconnectJitterMs + 1) : 0)
    }

    static var fields: [(String, WritableKeyPath<ConnectionPolicy, Int>, ClosedRange<Int>)] { [
        ("userIdleTimeoutMs", \.userIdleTimeoutMs, 0...86_400_000),
        ("reconnectAttempts", \.reconnectAttempts, 0...20),
        ("reconnectBaseMs", \.reconnectBaseMs, 1...600_000),
        ("reconnectMaxMs", \.reconnectMaxMs, 1...3_600_000),
        ("reconnectJitterMs", \.reconnectJitterMs, 0...600_000),
        ("cycleLimit", \.cycleLimit, 0...1_000),
        ("cycleWindowMs", \.cycleWindowMs, 1...3_600_000),
        ("cycleCooldownMs", \.cycleCooldownMs, 0...3_600_000),
        ("failureLimit", \.failureLimit, 0...1_000),
        ("failureWindowMs", \.failureWindowMs, 1...3_600_000),
        ("failureBackoffBaseMs", \.failureBackoffBaseMs, 0...3_600_000),
        ("failureBackoffMaxMs", \.failureBackoffMaxMs, 0...86_400_000),
        ("livenessCheckMs", \.livenessCheckMs, 0...86_400_000),
        ("livenessTimeoutMs", \.livenessTimeoutMs, 1...600_000),
        ("registryRecheckMs", \.registryRecheckMs, 0...3_600_000),
    ] }

    /// The `connections` option object; unknown keys and out-of-range values are named in the error.
    static func parse(_ value: JSONValue) throws(MCPError) -> ConnectionPolicy {
        guard case .object(let object) = value else { throw MCPError.invalid("'connections' must be an object", details: ["path": "connections"]) }
        var policy = ConnectionPolicy()
        for (key, member) in object {
            guard let field = fields.first(where: { $0.0 == key }) else {
                throw MCPError.invalid("unknown option 'connections.\(key)'", details: ["path": .string("connections." + key)])
            }
            guard let number = member.int64Value, let int = Int(exactly: number), field.2.contains(int) else {
                throw MCPError.invalid("'connections.\(key)' must be an integer from \(field.2.lowerBound) to \(field.2.upperBound)",
                    details: ["path": .string("connections." + key)])
            }
            policy[keyPath: field.1] = int
        }
        return policy
    }
}

/// One connection's breaker (per server and per user, so one user's bad credentials never block everyone):
/// too many connect/disconnect cycles, or too many failed connects, stop connecting for a while. Times are monotonic
/// nanoseconds.
struct CircuitBreaker: Equatable {
    private var cycles: [UInt64] = []
    private var failures: [UInt64] = []
    private var openUntil: UInt64 = 0
    /// Why it is open, for the error.
    private(set) var reason = ""

    /// A connection that was up went away.
    mutating func recordCycle(now: UInt64, policy: ConnectionPolicy) {
        guard policy.cycleLimit > 0 else { return }
        cycles = Self.recent(cycles, now: now, windowMs: policy.cycleWindowMs) + [now]
        if cycles.count >= policy.cycleLimit {
            open(until: now &+ UInt64(policy.cycleCooldownMs) * 1_000_000,
                 reason: "\(cycles.count) connect/disconnect cycles within \(policy.cycleWindowMs / 1000) s")
            cycles = []
        }
    }

    /// A connect failed (not for missing authorization: that waits for the user, not for the server).
    mutating func recordFailure(now: UInt64, policy: ConnectionPolicy) {
        guard policy.failureLimit > 0 else { return }
        failures = Self.recent(failures, now: now, windowMs: policy.failureWindowMs) + [now]
        guard failures.count >= policy.failureLimit else { return }
        let doublings = min(failures.count - policy.failureLimit, 20)
        let backoff = min(policy.failureBackoffBaseMs.multipliedReportingOverflow(by: 1 << doublings).partialValue, policy.failureBackoffMaxMs)
        open(until: now &+ UInt64(backoff) * 1_000_000, reason: "\(failures.count) failed connects within \(policy.failureWindowMs / 1000) s")
    }

    mutating func recordSuccess() { failures = [] }

    /// Reinitialize (and an explicit connect after a fix) start over.
    mutating func reset() { self = CircuitBreaker() }

    /// Nanoseconds until it closes again, or nil when closed.
    func remaining(now: UInt64) -> UInt64? { openUntil > now ? openUntil - now : nil }

    private mutating func open(until: UInt64, reason: String) {
        openUntil = max(openUntil, until)
        self.reason = reason
    }

    private static func recent(_ times: [UInt64], now: UInt64, windowMs: Int) -> [UInt64] {
        let window = UInt64(windowMs) * 1_000_000
        return times.filter { now < window || $0 >= now - window }
    }
}
