import Glibc
import Synchronization

/// The blocking call a host thread is making right now, if any. A transport that can do the whole exchange on the
/// caller's own thread (HTTP) does so while one is set, instead of handing it to the I/O thread and waking the
/// caller afterwards: one thread hop and two wake-ups less per call. The deadline still applies there.
public final class BlockingCall: @unchecked Sendable {
    private let custom: (@Sendable () -> UInt64)?
    private let lastProgress: Atomic<UInt64>
    private let timeout: UInt64
    private let hardLimit: UInt64
    /// The reply to this call's request as it came (shallow when the request was allowed to leave it so:
    /// `OutgoingRequest.resultMayStayShallow`), for the C boundary to copy and for `JSONPassThrough.deepened`. Travels
    /// with the call, not the thread: a nested call has its own. Only the call's own thread touches it (the exchange
    /// runs on it): no dynamic exclusivity check.
    @exclusivity(unchecked) public var passThrough: JSONPassThrough?

    public init(deadline: @escaping @Sendable () -> UInt64) {
        custom = deadline
        lastProgress = Atomic(0)
        timeout = 0
        hardLimit = 0
    }

    /// A call that must end `timeout` ns after it started or last made progress, and never after `hardLimit`. Its
    /// own state (no closures and boxes to allocate per call).
    public init(started: UInt64, timeout: UInt64, hardLimit: UInt64) {
        custom = nil
        lastProgress = Atomic(started)
        self.timeout = timeout
        self.hardLimit = hardLimit
    }

    /// Absolute monotonic time (ns) by which the call must end; it moves when progress arrives.
    public func deadline() -> UInt64 {
        if let custom { return custom() }
        return min(lastProgress.load(ordering: .relaxed) &+ timeout, hardLimit)
    }

    /// Progress arrived at `now` (monotonic ns): the deadline moves to `now + timeout`, up to the hard limit.
    public func progressed(at now: UInt64) { lastProgress.store(now, ordering: .relaxed) }

    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    /// The call in progress on this thread.
    public static var current: BlockingCall? {
        guard let raw = pthread_getspecific(key) else { return nil }
        return Unmanaged<BlockingCall>.fromOpaque(raw).takeUnretainedValue()
    }

    /// Runs `body` with `call` as this thread's current blocking call.
    public static func run<T>(_ call: BlockingCall, _ body: () -> T) -> T {
        let previous = pthread_getspecific(key)
        pthread_setspecific(key, Unmanaged.passUnretained(call).toOpaque())
        defer { pthread_setspecific(key, previous) }
        return withExtendedLifetime(call) { body() }
    }
}
