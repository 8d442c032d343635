import Crypto
import Foundation

/// One SQL file of `sql/control` or `sql/tenant`. Its version is the file name without `.sql`.
public struct Migration: Sendable, Equatable {
    public let version: String
    public let sql: String
    /// Hex SHA-256 of the file, recorded with the version so an edited applied file is noticed.
    public let checksum: String

    public init(version: String, sql: String) {
        self.version = version
        self.sql = sql
        self.checksum = SHA256.hash(data: Data(sql.utf8)).hexString
    }

    /// Loads `NNNN_name.sql` files of `directory` in version order.
    public static func load(from directory: URL) throws -> [Migration] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasSuffix(".sql") }
            .sorted()
        return try names.map { name in
            let version = String(name.dropLast(4))
            guard version.range(of: #"^[0-9]{4}_[a-z0-9_]+$"#, options: .regularExpression) != nil else {
                throw ConfigError("migration file \(name) must be named NNNN_lower_case.sql")
            }
            let sql = try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
            return Migration(version: version, sql: sql)
        }
    }
}

/// The two migration sets of the project.
public struct MigrationSet: Sendable {
    public let control: [Migration]
    public let tenant: [Migration]

    public init(control: [Migration], tenant: [Migration]) {
        self.control = control
        self.tenant = tenant
    }

    public static func load(assets: URL) throws -> MigrationSet {
        let sql = assets.appendingPathComponent("sql", isDirectory: true)
        return try MigrationSet(
            control: Migration.load(from: sql.appendingPathComponent("control", isDirectory: true)),
            tenant: Migration.load(from: sql.appendingPathComponent("tenant", isDirectory: true))
        )
    }
}

extension Sequence where Element == UInt8 {
    var hexString: String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in self {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension Digest {
    var hexString: String { Array(self).hexString }
}
