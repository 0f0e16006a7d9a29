import CMCPSystem

/// How far down the calling thread's stack is now, for guards against deep recursion. Not the address of a local:
/// under AddressSanitizer locals live on a heap "fake stack", which made such a guard refuse a nine-level document.
@inline(never)
public func currentStackAddress() -> UInt { UInt(csys_stack_address()) }

/// The calling thread's stack: its lowest address and its size in bytes (nil when the platform cannot tell). Cached
/// per thread, so asking is cheap.
public func currentThreadStack() -> (low: UInt, size: UInt)? {
    var low: UInt = 0
    var size = 0
    guard csys_thread_stack(&low, &size) == 0 else { return nil }
    return (low, UInt(size))
}
