import Foundation
import Logging
import PostgresNIO

/// Admin API keys in `control.admin_keys`.
public struct AdminKeyRepository: Sendable {
    let client: Database
    let logger: Logger

    static let columns = "SELECT id, name, role, plans, key_prefix, created_at, revoked_at FROM control.admin_keys"

    /// Stores a new key and returns it with its secret, which is not kept.
    public func create(name: String, role: AdminRole, plans: [PlanSlug]) async throws -> (key: AdminKey, secret: String) {
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...100).contains(trimmed.count) else { throw ConfigError("--name must be 1 to 100 characters") }
        if role == .platform, !plans.isEmpty { throw ConfigError("a platform key applies to every plan; do not list plans") }
        if role == .planAdmin, plans.isEmpty { throw ConfigError("a plan-admin key needs at least one --plan") }
        let secret = AdminKeySecret.generate()
        let slugs = plans.map(\.value)
        let rows = try await client.query(
            """
            INSERT INTO control.admin_keys (name, role, plans, key_hash, key_prefix)
            VALUES (\(trimmed), \(role.rawValue), \(slugs), \(ByteBuffer(bytes: SecretToken.digest(secret))), \(AdminKeySecret.displayPrefix(of: secret)))
            RETURNING id, name, role, plans, key_prefix, created_at, revoked_at
            """,
            logger: logger
        )
        guard let key = try await Self.decode(rows).first else { throw ConfigError("admin key was not stored") }
        return (key, secret)
    }

    public func list() async throws -> [AdminKey] {
        try await Self.decode(client.query("\(unescaped: Self.columns) ORDER BY created_at, id", logger: logger))
    }

    /// Revokes the key; false when no active key has this id.
    public func revoke(id: UUID) async throws -> Bool {
        let rows = try await client.query(
            "UPDATE control.admin_keys SET revoked_at = now() WHERE id = \(id) AND revoked_at IS NULL RETURNING id",
            logger: logger
        )
        return try await rows.exists
    }

    /// The active key whose secret is `secret`, if any.
    public func authenticate(secret: String) async throws -> AdminKey? {
        guard secret.hasPrefix(AdminKeySecret.prefix), secret.utf8.count < 200 else { return nil }
        let rows = try await client.query(
            "\(unescaped: Self.columns) WHERE key_hash = \(ByteBuffer(bytes: SecretToken.digest(secret))) AND revoked_at IS NULL",
            logger: logger
        )
        return try await Self.decode(rows).first
    }

    static func decode(_ rows: PostgresRowSequence) async throws -> [AdminKey] {
        var keys: [AdminKey] = []
        for try await (id, name, role, plans, prefix, createdAt, revokedAt)
            in rows.decode((UUID, String, AdminRole, [String], String, Date, Date?).self)
        {
            keys.append(AdminKey(
                id: id, name: name, role: role, plans: plans,
                prefix: prefix, createdAt: createdAt, revokedAt: revokedAt
            ))
        }
        return keys
    }
}
