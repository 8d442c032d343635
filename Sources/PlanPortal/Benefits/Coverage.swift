import Foundation
import PostgresNIO

/// What a member has left this benefit year (`getMyCoverage`).
struct Coverage: Encodable, Sendable {
    struct Period: Codable, Sendable, Equatable {
        var start: String
        var end: String
    }

    struct Category: Encodable, Sendable, Equatable {
        var code: String
        var name: String
        var coveragePercent: Int
        @Nullable var annualMaximumCents: Int64?
        @Nullable var perClaimMaximumCents: Int64?
        var maximumScope: MaximumScope
        var usedCents: Int64
        /// Null when the category has no annual maximum.
        @Nullable var remainingCents: Int64?
    }

    /// One covered person of the family: the member (`self`) or a dependant.
    struct Person: Encodable, Sendable {
        /// What `submitClaim` takes as `patient` for this person.
        var patient: String
        /// Left out for the member (a `oneOf` of an enum and null breaks generated clients).
        var relationship: Relationship?
        var firstName: String
        var lastName: String
        /// A dependant's coverage lies within the member's.
        @Nullable var coverageStart: String?
        @Nullable var coverageEnd: String?
        var categories: [Category]
    }

    var benefitYear: Period
    var status: MemberCoverage.Status
    @Nullable var coverageStart: String?
    @Nullable var coverageEnd: String?
    /// The member's own use (with `family` maximums, the family's).
    var categories: [Category]
    /// The member first, then each dependant.
    var people: [Person]
}

/// A member's coverage as the roster gives it.
struct MemberCoverage: Sendable, Equatable {
    enum Status: String, Codable, Sendable, PostgresTextValue {
        case active, suspended, terminated
    }

    var status: Status
    var start: String?
    var end: String?

    /// The status on `today`: an active member whose coverage ended before today is terminated.
    func status(on today: String) -> Status {
        if status == .active, let end, end < today { return .terminated }
        return status
    }

    /// Whether a service on `date` is covered: not suspended, within the dates, and a member
    /// terminated without an end date covers nothing.
    func covers(_ date: String) -> Bool {
        if status == .suspended || (status == .terminated && end == nil) { return false }
        if let start, date < start { return false }
        if let end, date > end { return false }
        return true
    }
}
