/// What kind of destination an address is. Everything but `.global` is refused for untrusted servers.
public enum AddressClass: String, Sendable, CaseIterable {
    case global
    case loopback
    case privateNetwork = "private"
    case linkLocal = "link_local"
    case sharedCGNAT = "cgnat"
    case unspecified
    case multicast
    case broadcast
    case cloudMetadata = "cloud_metadata"
    case documentation
    case benchmark
    /// IETF-reserved or not allocated for global unicast (240/4, 192.0.0/24, IPv6 outside 2000::/3, …).
    case reserved

    public var isBlocked: Bool { self != .global }
}

extension IPAddress {
    /// The class of the address; IPv6 forms that carry an IPv4 address (mapped, compatible, translated, NAT64,
    /// 6to4, Teredo) are classified by that IPv4 address, because that is where the packets end up.
    public var addressClass: AddressClass {
        isIPv4 ? Self.classifyIPv4(bytes) : classifyIPv6()
    }

    public var isBlocked: Bool { addressClass.isBlocked }

    /// The IPv4 address an IPv6 transition form routes to, if this is one.
    public var embeddedIPv4: IPAddress? {
        guard !isIPv4 else { return nil }
        let last4 = Array(bytes[12..<16])
        let zeros10 = bytes[0..<10].allSatisfy { $0 == 0 }
        if zeros10, bytes[10] == 0xFF, bytes[11] == 0xFF { return IPAddress(bytes: last4) }  // ::ffff:a.b.c.d
        if bytes[0..<8].allSatisfy({ $0 == 0 }), bytes[8] == 0xFF, bytes[9] == 0xFF, bytes[10] == 0, bytes[11] == 0 {
            return IPAddress(bytes: last4)  // ::ffff:0:a.b.c.d (SIIT)
        }
        if zeros10, bytes[10] == 0, bytes[11] == 0, !(bytes[12..<15].allSatisfy { $0 == 0 } && bytes[15] <= 1) {
            return IPAddress(bytes: last4)  // ::a.b.c.d (deprecated compatible form), not :: or ::1
        }
        if hasPrefix([0x00, 0x64, 0xFF, 0x9B, 0, 0, 0, 0, 0, 0, 0, 0], bits: 96) { return IPAddress(bytes: last4) }
        if hasPrefix([0x20, 0x02], bits: 16) { return IPAddress(bytes: Array(bytes[2..<6])) }  // 6to4
        if hasPrefix([0x20, 0x01, 0x00, 0x00], bits: 32) {
            return IPAddress(bytes: last4.map { ~$0 })  // Teredo client, stored inverted
        }
        return nil
    }

    private static let ipv4Table: [(prefix: [UInt8], bits: Int, class: AddressClass)] = [
        ([255, 255, 255, 255], 32, .broadcast),
        ([169, 254, 169, 254], 32, .cloudMetadata),  // AWS, GCP, Azure, OpenStack, …
        ([100, 100, 100, 200], 32, .cloudMetadata),  // Alibaba Cloud
        ([0, 0, 0, 0], 8, .unspecified),
        ([10, 0, 0, 0], 8, .privateNetwork),
        ([100, 64, 0, 0], 10, .sharedCGNAT),
        ([127, 0, 0, 0], 8, .loopback),
        ([169, 254, 0, 0], 16, .linkLocal),
        ([172, 16, 0, 0], 12, .privateNetwork),
        ([192, 0, 0, 0], 24, .reserved),
        ([192, 0, 2, 0], 24, .documentation),
        ([192, 88, 99, 0], 24, .reserved),  // former 6to4 relay anycast
        ([192, 168, 0, 0], 16, .privateNetwork),
        ([198, 18, 0, 0], 15, .benchmark),
        ([198, 51, 100, 0], 24, .documentation),
        ([203, 0, 113, 0], 24, .documentation),
        ([224, 0, 0, 0], 4, .multicast),
        ([240, 0, 0, 0], 4, .reserved),
    ]

    private static func classifyIPv4(_ bytes: [UInt8]) -> AddressClass {
        for entry in ipv4Table where prefixMatches(bytes, entry.prefix, bits: entry.bits) { return entry.class }
        return .global
    }

    private func classifyIPv6() -> AddressClass {
        if bytes.allSatisfy({ $0 == 0 }) { return .unspecified }
        if bytes[0..<15].allSatisfy({ $0 == 0 }), bytes[15] == 1 { return .loopback }
        if bytes == [0xFD, 0x00, 0x0E, 0xC2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x54] { return .cloudMetadata }
        if hasPrefix([0x20, 0x01, 0x00, 0x00], bits: 32), let client = embeddedIPv4 {
            // Teredo: the client and the relay server are both IPv4 hosts; either being internal is enough.
            let server = Self.classifyIPv4(Array(bytes[4..<8]))
            let clientClass = client.addressClass
            return clientClass.isBlocked ? clientClass : server
        }
        if let embedded = embeddedIPv4 { return embedded.addressClass }
        let table: [(prefix: [UInt8], bits: Int, class: AddressClass)] = [
            ([0x00, 0x64, 0xFF, 0x9B, 0x00, 0x01], 48, .privateNetwork),  // local-use NAT64 (RFC 8215)
            ([0x01, 0x00, 0, 0, 0, 0, 0, 0], 64, .reserved),  // discard-only
            ([0x20, 0x01, 0x0D, 0xB8], 32, .documentation),
            ([0x3F, 0xFF], 20, .documentation),  // RFC 9637
            ([0x20, 0x01, 0x00, 0x02, 0x00, 0x00], 48, .benchmark),
            ([0x20, 0x01, 0x00], 23, .reserved),  // IETF protocol assignments
            ([0xFC], 7, .privateNetwork),
            ([0xFE, 0x80], 10, .linkLocal),
            ([0xFE, 0xC0], 10, .privateNetwork),  // deprecated site-local
            ([0xFF], 8, .multicast),
        ]
        for entry in table where hasPrefix(entry.prefix, bits: entry.bits) { return entry.class }
        // Only 2000::/3 is allocated for global unicast.
        return hasPrefix([0x20], bits: 3) ? .global : .reserved
    }

    private func hasPrefix(_ prefix: [UInt8], bits: Int) -> Bool { Self.prefixMatches(bytes, prefix, bits: bits) }

    private static func prefixMatches(_ bytes: [UInt8], _ prefix: [UInt8], bits: Int) -> Bool {
        var remaining = bits
        var index = 0
        while remaining > 0 {
            guard index < bytes.count else { return false }
            let mask: UInt8 = remaining >= 8 ? 0xFF : ~(0xFF >> UInt8(remaining))
            let expected = index < prefix.count ? prefix[index] : 0  // short prefixes are zero-padded
            if bytes[index] & mask != expected & mask { return false }
            remaining -= 8
            index += 1
        }
        return true
    }
}
