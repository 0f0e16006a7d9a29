#if canImport(Glibc)
import Glibc
#endif

/// Monotonic time in nanoseconds, behind a seam so tests can drive time by hand.
public protocol MonotonicClock: Sendable {
    func nowNanoseconds() -> UInt64
}

public struct SystemClock: MonotonicClock {
    public init() {}
    public func nowNanoseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }
}
