import Foundation
import NIOSSL
import PostgresNIO

/// Parses `postgres://user:pass@host:port/db?sslmode=…` and `postgres://user@/db?host=/socket/dir`.
public enum DatabaseURL {
    public static func configuration(from string: String) throws -> PostgresClient.Configuration {
        guard let components = URLComponents(string: string),
              let scheme = components.scheme, ["postgres", "postgresql"].contains(scheme)
        else {
            throw ConfigError("DATABASE_URL must start with postgres:// or postgresql://")
        }
        let query = Dictionary(
            (components.queryItems ?? []).map { ($0.name, $0.value ?? "") },
            uniquingKeysWith: { _, last in last }
        )
        let username = components.user?.removingPercentEncoding ?? ProcessInfo.processInfo.environment["USER"] ?? "postgres"
        let password = components.password?.removingPercentEncoding
        var database = components.path
        if database.hasPrefix("/") { database.removeFirst() }
        let databaseName = database.isEmpty ? nil : database.removingPercentEncoding

        if let socketDir = query["host"], socketDir.hasPrefix("/") {
            let port = components.port ?? 5432
            let path = "\(socketDir)/.s.PGSQL.\(port)"
            return .init(unixSocketPath: path, username: username, password: password, database: databaseName)
        }
        let host = components.host.flatMap { $0.isEmpty ? nil : $0 } ?? "127.0.0.1"
        let tls: PostgresClient.Configuration.TLS
        switch query["sslmode"] ?? "disable" {
        case "disable", "allow": tls = .disable
        case "prefer": tls = .prefer(.makeClientConfiguration())
        case "require":
            var tlsConfig = TLSConfiguration.makeClientConfiguration()
            tlsConfig.certificateVerification = .none
            tls = .require(tlsConfig)
        case "verify-ca", "verify-full": tls = .require(.makeClientConfiguration())
        default: throw ConfigError("DATABASE_URL sslmode must be disable, prefer, require, verify-ca or verify-full")
        }
        return .init(host: host, port: components.port ?? 5432, username: username, password: password, database: databaseName, tls: tls)
    }

    /// True when the connection cannot be read or redirected on the network: a unix socket, a
    /// loopback host, or TLS with the server's certificate and name verified (`sslmode=verify-full`).
    public static func isProtected(_ string: String) -> Bool {
        guard let components = URLComponents(string: string) else { return false }
        let query = Dictionary((components.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { _, last in last })
        if let socket = query["host"], socket.hasPrefix("/") { return true }
        if query["sslmode"] == "verify-full" { return true }
        var host = (components.host ?? "").lowercased()
        if host.isEmpty { return false }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host == "localhost" { return true }
        guard let bytes = OutboundPolicy.addressBytes(host) else { return false }
        return OutboundPolicy.isLoopback(bytes)
    }
}
