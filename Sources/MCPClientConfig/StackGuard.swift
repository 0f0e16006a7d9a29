import MCPClientCore

/// Whether the calling thread still has stack to spare, so that deep nesting fails with an error instead of
/// overflowing a host thread's (possibly small) stack. Asked on every nesting level: no depth is assumed to fit, as
/// frames differ widely between builds (a debug YAML level takes about 11 KB, under ThreadSanitizer 13 KB, so eight
/// unchecked levels overflowed a 128 KB thread there).
struct StackGuard {
    private var lowestSafeAddress: UInt = 0
    private var measured = false

    /// False when fewer than `reserve` bytes remain below the caller. On a stack smaller than twice the reserve, half
    /// of it is kept instead, so a small stack still parses shallow documents.
    mutating func hasRoom(reserve: UInt = 128 << 10) -> Bool {
        if !measured {
            measured = true
            if let stack = currentThreadStack() { lowestSafeAddress = stack.low &+ min(reserve, stack.size / 2) }
        }
        return lowestSafeAddress == 0 || currentStackAddress() > lowestSafeAddress
    }
}
