/// A map from integer ids (request, exchange and call ids) to what is in flight for them. Open addressing with
/// linear probing and a multiplicative hash: a Dictionary hashes every key with SipHash, which cost more than the
/// lookups themselves on the HTTP call path (about ten per call). Ids are not chosen by peers, so a weak hash is fine.
/// Inlinable so that each use is specialized for its key and value types.
@frozen public struct IDTable<Key: FixedWidthInteger, Value>: ExpressibleByDictionaryLiteral {
    @usableFromInline var keys: [Key] = []
    /// nil marks a free slot; the capacity is 0 or a power of two, at most three quarters full.
    @usableFromInline var slots: [Value?] = []
    @usableFromInline var occupied = 0

    @inlinable public init() {}

    @inlinable public init(dictionaryLiteral elements: (Key, Value)...) {
        for (key, value) in elements { self[key] = value }
    }

    @inlinable public var count: Int { occupied }
    @inlinable public var isEmpty: Bool { occupied == 0 }

    /// Every value, in no particular order.
    @inlinable public var values: [Value] { slots.compactMap { $0 } }

    @inlinable public subscript(key: Key) -> Value? {
        get { index(of: key).flatMap { slots[$0] } }
        set {
            if let newValue { insert(key, newValue) } else { removeValue(forKey: key) }
        }
    }

    /// Changes the value for `key` in place, if there is one; returns what `body` returns.
    @inlinable public mutating func modify<Result>(_ key: Key, _ body: (inout Value) -> Result) -> Result? {
        guard let index = index(of: key), var value = slots[index] else { return nil }
        slots[index] = nil  // the value alone holds its storage while `body` changes it
        defer { slots[index] = value }
        return body(&value)
    }

    @discardableResult
    @inlinable public mutating func removeValue(forKey key: Key) -> Value? {
        guard let found = index(of: key) else { return nil }
        let value = slots[found]
        slots[found] = nil
        occupied -= 1
        // Backward shift: a later entry of the same run moves into the hole unless its home lies after the hole
        // (cyclically, up to the entry itself), so every lookup still finds its key before a free slot.
        let mask = slots.count - 1
        var hole = found, index = (found + 1) & mask
        while slots[index] != nil {
            let home = Self.home(keys[index], mask)
            let movable = hole < index ? (home <= hole || home > index) : (home <= hole && home > index)
            if movable {
                keys[hole] = keys[index]
                slots.swapAt(hole, index)
                hole = index
            }
            index = (index + 1) & mask
        }
        return value
    }

    @inlinable public mutating func removeAll() {
        keys = []
        slots = []
        occupied = 0
    }

    @inlinable static func home(_ key: Key, _ mask: Int) -> Int {
        Int(truncatingIfNeeded: (UInt64(truncatingIfNeeded: key) &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask
    }

    @inlinable func index(of key: Key) -> Int? {
        guard occupied > 0 else { return nil }
        let mask = slots.count - 1
        var index = Self.home(key, mask)
        while slots[index] != nil {
            if keys[index] == key { return index }
            index = (index + 1) & mask
        }
        return nil
    }

    @inlinable mutating func insert(_ key: Key, _ value: Value) {
        if let index = index(of: key) {
            slots[index] = value
            return
        }
        if (occupied + 1) * 4 > slots.count * 3 { grow() }
        let mask = slots.count - 1
        var index = Self.home(key, mask)
        while slots[index] != nil { index = (index + 1) & mask }
        keys[index] = key
        slots[index] = value
        occupied += 1
    }

    @inlinable mutating func grow() {
        let (oldKeys, oldSlots) = (keys, slots)
        let capacity = Swift.max(8, slots.count * 2)
        keys = Array(repeating: 0, count: capacity)
        slots = Array(repeating: nil, count: capacity)
        occupied = 0
        for index in oldSlots.indices {
            if let value = oldSlots[index] { insert(oldKeys[index], value) }
        }
    }
}

extension IDTable: Sendable where Key: Sendable, Value: Sendable {}
