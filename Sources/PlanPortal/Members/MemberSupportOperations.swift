/// What a plan's support staff do for one member (tag `admin-roster`), for every presentation:
/// look them up, lock or unlock their account, log them out everywhere. The member is named by
/// certificate number; one that cannot exist is `member_not_found`, like an unknown one. Every
/// action is audited with the member it concerns.
struct MemberSupportOperations: Sendable {
    let members: MemberSupportRepository

    /// `getMember`: the roster record and account status (`member.viewed`).
    func getMember(plan: Plan, certificate: String, event: NewAuditEvent) async throws -> MemberRecord {
        try Self.check(certificate)
        guard let record = try await members.member(plan: plan.slug, certificate: certificate, event: event) else { throw Problem.memberNotFound }
        return record
    }

    /// `lockMember`: the account can no longer log in, and every session and device token of it
    /// ends at once (`member.locked`). `event` is the admin request's `member.locked` event.
    func lockMember(plan: Plan, certificate: String, event: NewAuditEvent) async throws -> MemberRecord {
        try Self.check(certificate)
        return try await members.setLocked(plan: plan.slug, certificate: certificate, locked: true, event: event)
    }

    /// `unlockMember`: the account may log in again (`member.unlocked`).
    func unlockMember(plan: Plan, certificate: String, event: NewAuditEvent) async throws -> MemberRecord {
        try Self.check(certificate)
        return try await members.setLocked(plan: plan.slug, certificate: certificate, locked: false, event: event)
    }

    /// `revokeMemberSessions`: every session and device token of the account ends
    /// (`member.sessions_revoked`); the account stays usable with its password.
    func revokeMemberSessions(plan: Plan, certificate: String, event: NewAuditEvent) async throws -> RevokedCredentials {
        try Self.check(certificate)
        return try await members.revokeSessions(plan: plan.slug, certificate: certificate, event: event)
    }

    private static func check(_ certificate: String) throws {
        guard MemberFieldRules.certificate(certificate).isEmpty else { throw Problem.memberNotFound }
    }
}
