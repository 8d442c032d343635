import Foundation

/// A member's live session: whose it is and the token that proves it.
public struct MemberSession: Sendable {
    public var accountID: UUID
    /// The bearer token (kept to revoke exactly this session on logout).
    public var token: String
}
