import MCPClientCore
import Synchronization

/// Handles are registry keys, not raw object pointers: a call racing a free (or a stale handle) finds nothing and
/// gets MCP_ERR_CLOSED instead of touching freed memory. A handle is a key, not a pointer, so a stale or freed handle finds nothing (MCP_ERR_CLOSED) instead of touching freed memory. Calls hold
/// a strong reference while they run, so a free racing them is safe.
final class HandleTable<Value: AnyObject>: @unchecked Sendable {
    private let entries = Locked<[UInt: Value]>([:])
    private let tag: UInt
    private let kind: String

    /// `tag` (0–15) sits in bits 4–7 of every key and all kinds draw serials from one counter, so handles of different
    /// kinds never share a value (and never look like a small integer or NULL).
    init(tag: UInt, kind: String) {
        self.tag = tag & 0xF
        self.kind = kind
    }

    func insert(_ value: Value) throws(MCPError) -> OpaquePointer {
        let serial = handleSerials.wrappingAdd(1, ordering: .relaxed).oldValue
        guard serial < UInt.max >> 8, let handle = OpaquePointer(bitPattern: serial << 8 | tag << 4) else {
            throw MCPError(.generic, "handle space exhausted")
        }
        entries.withLock { $0[UInt(bitPattern: handle)] = value }
        return handle
    }

    func lookup(_ handle: OpaquePointer?, _ name: String) throws(MCPError) -> Value {
        guard let handle else { throw MCPError.invalid("\(name) is NULL", details: ["argument": .string(name)]) }
        guard let value = entries.withLock({ $0[UInt(bitPattern: handle)] }) else {
            throw MCPError(.closed, "the \(kind) has been freed (or the handle is not one this library returned)",
                details: ["argument": .string(name)])
        }
        return value
    }

    func remove(_ handle: OpaquePointer?) -> Value? {
        guard let handle else { return nil }
        return entries.withLock { $0.removeValue(forKey: UInt(bitPattern: handle)) }
    }
}

private let handleSerials = Atomic<UInt>(1)
