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
