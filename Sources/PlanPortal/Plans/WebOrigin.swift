import Foundation

/// A browser origin, `scheme://host[:port]` as browsers serialise it in `Origin` (RFC 6454:
/// lower case, no default port, no path): what a plan's `allowedOrigins` and
/// `ADMIN_ALLOWED_ORIGINS` list. `https` anywhere; `http` only for loopback hosts, as `portalUrl`.
public struct WebOrigin: Sendable, Hashable, CustomStringConvertible {
    public let value: String

    public var description: String { value }

    /// An origin written as one (`https://portail.example.ca`, `http://localhost:3000`); nil for
    /// anything with a path, query, fragment, credentials, another scheme or a non-ASCII host.
    public init?(_ raw: String) {
        let text = raw.trimmingCharacters(in: .whitespaces)
        guard text.utf8.count <= 300, let components = URLComponents(string: text),
              components.path.isEmpty, components.query == nil, components.fragment == nil
        else { return nil }
        self.init(components)
    }

    /// The origin of an absolute URL (`portalUrl`'s origin is a plan's default allowed origin).
    public init?(ofURL raw: String) {
        guard let components = URLComponents(string: raw) else { return nil }
        self.init(components)
    }

    private init?(_ components: URLComponents) {
        guard let scheme = components.scheme?.lowercased(), let rawHost = components.host, !rawHost.isEmpty,
              components.user == nil, components.password == nil,
              rawHost.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-.:[]".contains($0)) })
        else { return nil }
        let host = rawHost.lowercased()
        let loopback = ["localhost", "127.0.0.1", "[::1]", "::1"].contains(host)
        guard scheme == "https" || (scheme == "http" && loopback) else { return nil }
        let bracketed = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        let defaultPort = scheme == "https" ? 443 : 80
        if let port = components.port {
            guard (1...65535).contains(port) else { return nil }
            value = port == defaultPort ? "\(scheme)://\(bracketed)" : "\(scheme)://\(bracketed):\(port)"
        } else {
            value = "\(scheme)://\(bracketed)"
        }
    }

    /// Parses a comma-separated list (`ADMIN_ALLOWED_ORIGINS`); nil when one entry is not an origin.
    public static func list(_ text: String) -> [WebOrigin]? {
        var origins: [WebOrigin] = []
        for entry in text.split(separator: ",") {
            guard let origin = WebOrigin(String(entry)) else { return nil }
            if !origins.contains(origin) { origins.append(origin) }
        }
        return origins
    }
}
