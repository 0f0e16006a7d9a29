import CMCPSystem

/// How far down the calling thread's stack is now, for guards against deep recursion. Not the address of a local:
/// under AddressSanitizer locals live on a heap "fake stack", which made such a guard refuse a nine-level document.
@inline(never)
public func currentStackAddress() -> UInt { UInt(csys_stack_address()) }
