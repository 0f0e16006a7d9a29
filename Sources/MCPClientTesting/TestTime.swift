import Glibc

/// Time budgets of tests that wait on real servers, threads and timers. Sanitized builds run several times slower (and
/// a loaded CI machine slower still), so the sanitizer runners in scripts/test-all set `MCPCLIENT_TEST_TIME_SCALE`
/// and these budgets stretch by that factor instead of the tests being skipped. Unset, or not a whole number from 1
/// to 20: 1.
public enum TestTime {
    public static let scale: Int = {
        guard let raw = getenv("MCPCLIENT_TEST_TIME_SCALE"), let value = Int(String(cString: raw)), (1...20).contains(value)
        else { return 1 }
        return value
    }()

    public static func ms(_ milliseconds: Int) -> Int { milliseconds * scale }
    public static func ms(_ milliseconds: Int32) -> Int32 { milliseconds * Int32(scale) }
    public static func ns(_ nanoseconds: UInt64) -> UInt64 { nanoseconds * UInt64(scale) }
}
