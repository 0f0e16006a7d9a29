import Glibc
import MCPClientCore
import Testing

@Suite struct StackAddressTests {
    private typealias GetAttr = @convention(c) (pthread_t, UnsafeMutablePointer<pthread_attr_t>) -> Int32

    /// This thread's stack as [lowest, highest) addresses.
    private static func threadStack() -> Range<UInt>? {
        guard let symbol = dlsym(nil, "pthread_getattr_np") else { return nil }
        let attributes = UnsafeMutablePointer<pthread_attr_t>.allocate(capacity: 1)
        defer { attributes.deallocate() }
        guard unsafeBitCast(symbol, to: GetAttr.self)(pthread_self(), attributes) == 0 else { return nil }
        defer { pthread_attr_destroy(attributes) }
        var base: UnsafeMutableRawPointer?
        var size = 0
        guard pthread_attr_getstack(attributes, &base, &size) == 0, let base else { return nil }
        return UInt(bitPattern: base)..<UInt(bitPattern: base) + UInt(size)
    }

    @inline(never) private static func deeper(_ levels: Int) -> UInt {
        levels == 0 ? currentStackAddress() : deeper(levels - 1) &+ 0
    }

    /// The stack guards rely on it: inside the thread's stack (a local's address is not, under AddressSanitizer),
    /// and lower the deeper the call.
    @Test func theStackAddressIsOnTheThreadsStackAndFallsWithDepth() throws {
        let stack = try #require(Self.threadStack())
        let here = currentStackAddress()
        #expect(stack.contains(here))
        #expect(Self.deeper(50) < here)
    }
}
