import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An IPv4 or IPv6 network in CIDR notation (`10.0.0.0/8`, `2001:db8::/32`, or one address).
public struct IPAddressRange: Sendable, Equatable, CustomStringConvertible {
    let network: [UInt8]
    let prefix: Int
    public let description: String

    public init?(_ text: String) {
        let parts = text.trimmingCharacters(in: .whitespaces).split(separator: "/", maxSplits: 1).map(String.init)
        guard let first = parts.first, let address = Self.parse(first) else { return nil }
        let bits = address.count * 8
        let prefix: Int
        if parts.count == 2 {
            guard let value = Int(parts[1]), (0...bits).contains(value) else { return nil }
            prefix = value
        } else {
            prefix = bits
        }
        self.network = address
        self.prefix = prefix
        self.description = "\(first)/\(prefix)"
    }

    init(raw network: [UInt8], prefix: Int, description: String) {
        self.network = network
        self.prefix = prefix
        self.description = description
    }

    public func contains(_ address: String) -> Bool {
        guard let bytes = Self.parse(address) else { return false }
        return contains(bytes)
    }

    func contains(_ bytes: [UInt8]) -> Bool {
        guard bytes.count == network.count else { return false }
        var remaining = prefix
        for (a, b) in zip(bytes, network) where remaining > 0 {
            let mask: UInt8 = remaining >= 8 ? 0xFF : ~(0xFF >> UInt8(remaining))
            if a & mask != b & mask { return false }
            remaining -= 8
        }
        return true
    }

    /// The address's bytes; IPv4-mapped IPv6 addresses (`::ffff:a.b.c.d`) become IPv4.
    static func parse(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            return withUnsafeBytes(of: &v4) { Array($0) }
        }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, text, &v6) == 1 else { return nil }
        let bytes = withUnsafeBytes(of: &v6) { Array($0) }
        if bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xFF, bytes[11] == 0xFF { return Array(bytes[12...]) }
        return bytes
    }

    /// What per-address rules count an address as: an IPv4 address itself, an IPv6 address by
    /// its /64 (`2001:db8:1:2::/64`), since one subscriber or host usually holds a whole /64 and
    /// could otherwise take a fresh address for every request. IPv4-mapped IPv6 counts as IPv4.
    public static func rateLimitSubject(_ text: String) -> String? {
        guard var bytes = parse(text.trimmingCharacters(in: .whitespaces)) else { return nil }
        if bytes.count == 4 { return canonical(text) }
        for index in 8..<16 { bytes[index] = 0 }
        return format(bytes).map { "\($0)/64" }
    }

    /// A valid IPv4 or IPv6 address in canonical text form, or nil.
    public static func canonical(_ text: String) -> String? {
        guard let bytes = parse(text.trimmingCharacters(in: .whitespaces)) else { return nil }
        return format(bytes)
    }

    /// `inet_ntop` of 4 or 16 bytes.
    private static func format(_ bytes: [UInt8]) -> String? {
        let family = bytes.count == 4 ? AF_INET : AF_INET6
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let ok = bytes.withUnsafeBytes { raw in inet_ntop(family, raw.baseAddress, &buffer, socklen_t(buffer.count)) != nil }
        guard ok else { return nil }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// Who may set `X-Forwarded-For` (`TRUSTED_PROXIES`).
public struct TrustedProxies: Sendable, Equatable {
    public var ranges: [IPAddressRange]

    public init(_ ranges: [IPAddressRange] = []) {
        self.ranges = ranges
    }

    /// Parses a comma-separated CIDR list; nil when one entry is not a network.
    public init?(list: String) {
        var ranges: [IPAddressRange] = []
        for item in list.split(separator: ",") where !item.trimmingCharacters(in: .whitespaces).isEmpty {
            guard let range = IPAddressRange(String(item)) else { return nil }
            ranges.append(range)
        }
        self.ranges = ranges
    }

    public func trusts(_ address: String) -> Bool { ranges.contains { $0.contains(address) } }

    /// The client's address: the peer, unless the peer is a trusted proxy, in which case the
    /// `X-Forwarded-For` chain is read from the right, skipping trusted hops, up to the first
    /// address PlanPortal does not trust. A malformed entry stops the walk at the hop before it.
    public func clientAddress(peer: String?, forwardedFor: [String]) -> String? {
        guard !ranges.isEmpty, var client = peer.flatMap(IPAddressRange.canonical) else { return peer }
        guard trusts(client) else { return client }
        let hops = forwardedFor.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }
        for hop in hops.reversed() {
            guard let address = IPAddressRange.canonical(hop) else { break }
            client = address
            if !trusts(address) { break }
        }
        return client
    }
}
