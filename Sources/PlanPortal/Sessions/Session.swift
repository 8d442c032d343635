import Foundation

/// A member's live session: whose it is and the token that proves it.
struct MemberSession: Sendable {
    var accountID: UUID
    /// The bearer token (kept to revoke exactly this session on logout).
    var token: String
}

/// A session `createSession` opened.
struct NewSession: Codable, Sendable {
    var accessToken: String
    var tokenType = "Bearer"
    var expiresAt: Date
    /// Null when the plan has published no terms.
    @Nullable var termsVersion: String?
    /// A new device token of this account (`DeviceTokens`): sent back with the next login from
    /// this device, it exempts that login from the per-e-mail challenge and the account cap.
    var deviceToken: String
}

/// OWASP's device cookies against lock-out, as login tokens: one per account and device, 256
/// bits, stored as SHA-256, used once (each successful login ends the presented one and issues
/// another).
enum DeviceTokens {
    static let lifetimeDays = 180
    /// Failed passwords with one token after which it no longer exempts its logins.
    static let maxFailures = 10
    /// Live tokens kept per account; a new one ends the oldest beyond this.
    static let keptPerAccount = 10
}

/// What ending every credential of an account ended (`SessionRepository.revokeAll`).
struct RevokedCredentials: Codable, Sendable, Equatable {
    var sessionsRevoked: Int
    var deviceTokensRevoked: Int
}

/// The member's profile (`getMe`).
struct Me: Codable, Sendable {
    var email: String
    var firstName: String
    var lastName: String
    var certificateNumber: String
    var locale: Language
    @Nullable var termsVersion: String?
}

/// Whether an account may log in (`locked`: only support unlocks it).
enum AccountStatus: String, Codable, Sendable, PostgresTextValue {
    case active
    case locked
}
