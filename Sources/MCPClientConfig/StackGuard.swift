import Glibc
import MCPClientCore

/// Whether the calling thread still has stack to spare, so that deep nesting fails with an error instead of
/// overflowing a host thread's (possibly small) stack. The bounds are read once, on first use (only documents that
/// nest deeply ask).
struct StackGuard {
    private var lowestSafeAddress: UInt = 0
    private var measured = false

    /// False when fewer than `reserve` bytes remain below the caller.
    mutating func hasRoom(reserve: UInt = 128 << 10) -> Bool {
        if !measured {
            measured = true
            if let base = Self.stackBase() { lowestSafeAddress = base &+ reserve }
        }
        return lowestSafeAddress == 0 || currentStackAddress() > lowestSafeAddress
    }

    private typealias GetAttr = @convention(c) (pthread_t, UnsafeMutablePointer<pthread_attr_t>) -> Int32

    /// The lowest address of this thread's stack. `pthread_getattr_np` is a GNU extension the Glibc module does
    /// not import, so it is looked up by name.
    private static func stackBase() -> UInt? {
        guard let symbol = dlsym(nil, "pthread_getattr_np") else { return nil }
        let getAttr = unsafeBitCast(symbol, to: GetAttr.self)
        let attributes = UnsafeMutablePointer<pthread_attr_t>.allocate(capacity: 1)
        defer { attributes.deallocate() }
        guard getAttr(pthread_self(), attributes) == 0 else { return nil }
        defer { pthread_attr_destroy(attributes) }
        var base: UnsafeMutableRawPointer?
        var size = 0
        guard pthread_attr_getstack(attributes, &base, &size) == 0, let base, size > 0 else { return nil }
        return UInt(bitPattern: base)
    }
}
