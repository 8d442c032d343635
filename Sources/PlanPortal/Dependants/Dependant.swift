import Foundation
import PostgresNIO

/// How a dependant is related to the member.
public enum Relationship: String, Codable, Sendable, CaseIterable, PostgresTextValue {
    case spouse, child, other
}

/// Whose care a claim is for: `self` (the member) or one of their dependants' ids.
enum Patient {
    static let selfValue = "self"

    /// `self`, or the normalised dependant id; nil when it cannot be a dependant id.
    static func normalized(_ raw: String?) -> String? {
        guard let raw, raw != selfValue else { return selfValue }
        let id = MatchKey.certificate(raw)
        guard (1...30).contains(id.count), id != "SELF", id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else { return nil }
        return id
    }
}

/// A member's dependant, as the member (`listMyDependants`) and support (`getMember`) see them.
public struct Dependant: Codable, Sendable, Equatable {
    public var dependantId: String
    public var relationship: Relationship
    public var lastName: String
    public var firstName: String
    /// `YYYY-MM-DD`; never logged nor sent in webhooks.
    public var dateOfBirth: String
    @Nullable public var coverageStart: String?
    @Nullable public var coverageEnd: String?

    /// The coverage of the dependant under `member`: their own dates, within the member's.
    func coverage(under member: MemberCoverage) -> MemberCoverage {
        MemberCoverage(
            status: member.status,
            start: [member.start, coverageStart].compactMap { $0 }.max(),
            end: [member.end, coverageEnd].compactMap { $0 }.min()
        )
    }

    static let columns = "d.dependant_id, d.relationship, d.last_name, d.first_name, d.date_of_birth::text, d.coverage_start::text, d.coverage_end::text"

    init(dependantId: String, relationship: Relationship, lastName: String, firstName: String, dateOfBirth: String, coverageStart: String?, coverageEnd: String?) {
        self.dependantId = dependantId
        self.relationship = relationship
        self.lastName = lastName
        self.firstName = firstName
        self.dateOfBirth = dateOfBirth
        self.coverageStart = coverageStart
        self.coverageEnd = coverageEnd
    }

    /// Decodes the `columns` of one row.
    init(_ row: PostgresRow) throws {
        let (id, relationship, last, first, dob, start, end) = try row.decode((String, Relationship, String, String, String, String?, String?).self)
        self.init(dependantId: id, relationship: relationship, lastName: last, firstName: first, dateOfBirth: dob, coverageStart: start, coverageEnd: end)
    }
}

/// `listMyDependants`.
public struct DependantList: Encodable, Sendable {
    public var items: [Dependant]
}

/// Where an enrolment request stands.
public enum DependantRequestStatus: String, Codable, Sendable, CaseIterable, PostgresTextValue {
    case submitted, approved, denied
}

/// A proof document of an enrolment request, without its bytes.
public typealias DependantRequestDocument = ClaimAttachmentInfo

/// An enrolment request, as the member and the TPA see it (`certificateNumber` on the TPA's view only).
public struct DependantRequest: Encodable, Sendable {
    @LowercaseUUID public var id: UUID
    public var status: DependantRequestStatus
    public var late: Bool
    public var relationship: Relationship
    public var lastName: String
    public var firstName: String
    public var dateOfBirth: String
    public var eventDate: String
    @Nullable public var reason: String?
    /// Set once approved: the dependant it added.
    @Nullable public var dependantId: String?
    public var documents: [DependantRequestDocument]
    public var createdAt: Date
    @Nullable public var decidedAt: Date?
    /// Left out of the member's view.
    public var certificateNumber: String?
}

/// One page of enrolment requests, newest first.
public typealias DependantRequestPage = ClaimPage<DependantRequest>
