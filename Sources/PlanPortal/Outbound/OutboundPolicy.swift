import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What the server may call when the URL comes from an admin (challenge `verifyUrl` now,
/// webhooks later): `https` only, no credentials in the URL, and only public unicast addresses.
/// The address is checked after resolution and the connection goes to that checked address
/// (`OutboundHTTPClient`), so a name that resolves elsewhere the second time cannot slip in.
///
/// `APP_ENV=test` alone (`allowsLoopbackForTests`) lets `http://127.0.0.1` (or `[::1]`) through
/// for the test doubles; nothing else private is ever allowed.
public struct OutboundPolicy: Sendable, Equatable {
    public var allowsLoopbackForTests: Bool
    /// Unit tests of address pinning only: plain `http` to a name that resolves to loopback.
    var allowsHTTPNamesForTests = false

    public init(environment: AppEnvironment) {
        self.allowsLoopbackForTests = environment == .test
    }

    public init(allowsLoopbackForTests: Bool) {
        self.allowsLoopbackForTests = allowsLoopbackForTests
    }

    /// Why a URL or an address was refused (logged, never shown to members).
    public enum Refusal: String, Error, Sendable {
        case malformed, scheme, credentials, forbiddenAddress = "forbidden_address", unresolvable
    }

    /// A URL that passed the syntax rules; its host is still to be resolved and checked.
    public struct Target: Sendable, Equatable {
        public var url: String
        public var scheme: String
        /// The host as written (brackets removed from IPv6 literals), lower-cased.
        public var host: String
        public var port: Int
    }

    /// The syntax rules: `https://host[:port]/path` without user, password or fragment; plain
    /// `http` only to a loopback literal under `allowsLoopbackForTests`. A literal address is
    /// checked here too.
    public func check(url raw: String) throws(Refusal) -> Target {
        guard raw.utf8.count <= 500, let components = URLComponents(string: raw),
              let scheme = components.scheme?.lowercased(), var host = components.host?.lowercased(), !host.isEmpty
        else { throw .malformed }
        guard components.user == nil, components.password == nil else { throw .credentials }
        guard components.fragment == nil else { throw .malformed }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        let literal = Self.addressBytes(host)
        switch scheme {
        case "https": break
        case "http":
            guard allowsLoopbackForTests, literal.map(Self.isLoopback) ?? allowsHTTPNamesForTests else { throw .scheme }
        default: throw .scheme
        }
        if let literal { try check(address: literal) }
        if literal == nil, !Self.isPlausibleHostName(host) { throw .malformed }
        let port = components.port ?? (scheme == "https" ? 443 : 80)
        guard (1...65535).contains(port) else { throw .malformed }
        return Target(url: raw, scheme: scheme, host: host, port: port)
    }

    /// Refuses every address that is not public unicast (loopback only under `allowsLoopbackForTests`).
    public func check(address bytes: [UInt8]) throws(Refusal) {
        if allowsLoopbackForTests, Self.isLoopback(bytes) { return }
        if Self.forbidden.contains(where: { $0.contains(bytes) }) { throw .forbiddenAddress }
        if bytes.count != 4 && bytes.count != 16 { throw .forbiddenAddress }
    }

    /// Networks no outbound call may reach: RFC 6890 special-purpose blocks and their IPv6
    /// wrappings (mapped, compatible, NAT64, 6to4, Teredo), which could carry a private IPv4.
    static let forbidden: [IPAddressRange] = [
        "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
        "192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24",
        "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4",
        "::/96", "::1/128", "::ffff:0:0/96", "64:ff9b::/96", "64:ff9b:1::/48", "100::/64", "2001::/32",
        "2001:db8::/32", "2002::/16", "fc00::/7", "fe80::/10", "fec0::/10", "ff00::/8",
    ].map { cidr in
        // Raw bytes: IPv4-mapped IPv6 stays IPv6 here (`IPAddressRange(_:)` would fold it to IPv4).
        let parts = cidr.split(separator: "/")
        return IPAddressRange(raw: addressBytes(String(parts[0]))!, prefix: Int(parts[1])!, description: cidr)
    }

    static func isLoopback(_ bytes: [UInt8]) -> Bool {
        if bytes.count == 4 { return bytes[0] == 127 }
        return bytes.count == 16 && bytes[..<15].allSatisfy { $0 == 0 } && bytes[15] == 1
    }

    /// The raw bytes of an IPv4 or IPv6 literal (IPv4-mapped IPv6 stays 16 bytes), or nil.
    static func addressBytes(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }

    /// A dotted name of letters, digits and hyphens: no single-label names (`localhost`,
    /// `metadata`, container names), no `.localhost`, and no all-numeric forms that resolvers
    /// read as IPv4 (`2130706433`, `0x7f.1`), which the literal check above would not have seen.
    static func isPlausibleHostName(_ host: String) -> Bool {
        let labels = host.split(separator: ".", omittingEmptySubsequences: false)
        guard host.utf8.count <= 253, labels.count >= 2, let last = labels.last, last != "localhost",
              last.contains(where: { $0.isLetter }), !last.hasPrefix("0x") else { return false }
        return labels.allSatisfy { label in
            (1...63).contains(label.utf8.count)
                && label.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D }
        }
    }
}
