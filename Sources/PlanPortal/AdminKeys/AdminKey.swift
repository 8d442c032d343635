import Foundation
import PostgresNIO

/// What an admin key may do: everything (`platform`, PlanPortal operators) or act on its listed
/// plans (`plan-admin`, a TPA or university staff).
/// Read from PostgreSQL strictly: an unknown stored role fails the look-up (never read as `plan-admin`).
public enum AdminRole: String, Codable, Sendable, CaseIterable, PostgresTextValue {
    case platform
    case planAdmin = "plan-admin"
}

/// An admin API key as stored (the secret itself is never kept).
public struct AdminKey: Codable, Sendable, Equatable {
    public var id: UUID
    public var name: String
    public var role: AdminRole
    public var plans: [String]
    public var prefix: String
    public var createdAt: Date
    public var revokedAt: Date?

    public func canAccess(_ slug: PlanSlug) -> Bool {
        role == .platform || plans.contains(slug.value)
    }
}

/// Keys are `ppk_` followed by 256 random bits in base64url.
public enum AdminKeySecret {
    public static let prefix = "ppk_"

    public static func generate() -> String { SecretToken.generate(prefix: prefix) }

    /// The part shown in listings: the prefix and the first 6 random characters.
    public static func displayPrefix(of secret: String) -> String { String(secret.prefix(prefix.count + 6)) }
}
