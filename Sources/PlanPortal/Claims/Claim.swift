import Foundation
import PostgresNIO

/// `submitted → in_review → approved | partially_approved | denied`, then `approved |
/// partially_approved → paid`.
/// Read from PostgreSQL strictly: an unknown stored status fails the query (never read as `submitted`).
public enum ClaimStatus: String, Codable, Sendable, CaseIterable, PostgresTextValue {
    case submitted
    case inReview = "in_review"
    case approved
    case partiallyApproved = "partially_approved"
    case denied
    case paid

    /// Whether the state machine allows going from `self` to `next`.
    public func allows(_ next: ClaimStatus) -> Bool {
        switch (self, next) {
        case (.submitted, .inReview): true
        case (.inReview, .approved), (.inReview, .partiallyApproved), (.inReview, .denied): true
        case (.approved, .paid), (.partiallyApproved, .paid): true
        default: false
        }
    }

    /// The outcomes of a decision.
    public var isDecision: Bool { self == .approved || self == .partiallyApproved || self == .denied }
}

/// A claim as listed (member and TPA lists).
public struct ClaimSummary: Codable, Sendable, Equatable {
    public var id: UUID
    public var status: ClaimStatus
    public var category: String
    public var serviceDate: String
    public var providerName: String
    public var amountCents: Int64
    public var currency: String
    /// Set once decided (0 when denied).
    public var approvedAmountCents: Int64?
    public var submittedAt: Date
    public var updatedAt: Date

    enum CodingKeys: String, CodingKey {
        case id, status, category, serviceDate, providerName, amountCents, currency, approvedAmountCents, submittedAt, updatedAt
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id.uuidString.lowercased(), forKey: .id)
        try c.encode(status, forKey: .status)
        try c.encode(category, forKey: .category)
        try c.encode(serviceDate, forKey: .serviceDate)
        try c.encode(providerName, forKey: .providerName)
        try c.encode(amountCents, forKey: .amountCents)
        try c.encode(currency, forKey: .currency)
        try c.encode(approvedAmountCents, forKey: .approvedAmountCents)
        try c.encode(submittedAt, forKey: .submittedAt)
        try c.encode(updatedAt, forKey: .updatedAt)
    }
}

/// A stored receipt, without its bytes.
public struct ClaimAttachmentInfo: Codable, Sendable, Equatable {
    public var id: UUID
    public var contentType: String
    public var filename: String?
    public var sizeBytes: Int
    /// Lower-case hex SHA-256 of the bytes.
    public var sha256: String
    public var createdAt: Date

    enum CodingKeys: String, CodingKey {
        case id, contentType, filename, sizeBytes, sha256, createdAt
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id.uuidString.lowercased(), forKey: .id)
        try c.encode(contentType, forKey: .contentType)
        try c.encode(filename, forKey: .filename)
        try c.encode(sizeBytes, forKey: .sizeBytes)
        try c.encode(sha256, forKey: .sha256)
        try c.encode(createdAt, forKey: .createdAt)
    }
}

/// One entry of a claim's status history.
public struct ClaimStatusChange: Codable, Sendable, Equatable {
    public var status: ClaimStatus
    public var at: Date
    public var reason: String?

    enum CodingKeys: String, CodingKey {
        case status, at, reason
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(status, forKey: .status)
        try c.encode(at, forKey: .at)
        try c.encode(reason, forKey: .reason)
    }
}

/// A claim with its notes, receipts and history.
public struct ClaimDetail: Encodable, Sendable {
    public var summary: ClaimSummary
    public var notes: String?
    public var attachments: [ClaimAttachmentInfo]
    public var statusHistory: [ClaimStatusChange]
    /// Set on the TPA's view only.
    public var certificateNumber: String?

    enum CodingKeys: String, CodingKey {
        case notes, attachments, statusHistory, certificateNumber
    }

    public func encode(to encoder: any Encoder) throws {
        try summary.encode(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(notes, forKey: .notes)
        try c.encode(attachments, forKey: .attachments)
        try c.encode(statusHistory, forKey: .statusHistory)
        try c.encodeIfPresent(certificateNumber, forKey: .certificateNumber)
    }
}

/// A claim as the TPA lists it: the summary and whose it is.
public struct AdminClaimSummary: Encodable, Sendable {
    public var summary: ClaimSummary
    public var certificateNumber: String

    enum CodingKeys: String, CodingKey {
        case certificateNumber
    }

    public func encode(to encoder: any Encoder) throws {
        try summary.encode(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(certificateNumber, forKey: .certificateNumber)
    }
}

/// One page of a keyset-paginated list, newest first.
public struct ClaimPage<Item: Encodable & Sendable>: Encodable, Sendable {
    public var items: [Item]
    /// Null on the last page.
    public var nextCursor: String?

    enum CodingKeys: String, CodingKey {
        case items, nextCursor
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(items, forKey: .items)
        try c.encode(nextCursor, forKey: .nextCursor)
    }
}

/// `GET /v1/plans/{plan}/me/coverage`.
public struct Coverage: Encodable, Sendable {
    public struct Period: Codable, Sendable, Equatable {
        public var start: String
        public var end: String
    }

    public struct Category: Encodable, Sendable, Equatable {
        public var code: String
        public var name: String
        public var coveragePercent: Int
        public var annualMaximumCents: Int64?
        public var perClaimMaximumCents: Int64?
        public var usedCents: Int64
        /// Null when the category has no annual maximum.
        public var remainingCents: Int64?

        enum CodingKeys: String, CodingKey {
            case code, name, coveragePercent, annualMaximumCents, perClaimMaximumCents, usedCents, remainingCents
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(code, forKey: .code)
            try c.encode(name, forKey: .name)
            try c.encode(coveragePercent, forKey: .coveragePercent)
            try c.encode(annualMaximumCents, forKey: .annualMaximumCents)
            try c.encode(perClaimMaximumCents, forKey: .perClaimMaximumCents)
            try c.encode(usedCents, forKey: .usedCents)
            try c.encode(remainingCents, forKey: .remainingCents)
        }
    }

    public var benefitYear: Period
    public var status: MemberCoverage.Status
    public var coverageStart: String?
    public var coverageEnd: String?
    public var categories: [Category]

    enum CodingKeys: String, CodingKey {
        case benefitYear, status, coverageStart, coverageEnd, categories
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(benefitYear, forKey: .benefitYear)
        try c.encode(status, forKey: .status)
        try c.encode(coverageStart, forKey: .coverageStart)
        try c.encode(coverageEnd, forKey: .coverageEnd)
        try c.encode(categories, forKey: .categories)
    }
}

/// A member's coverage as the roster gives it.
public struct MemberCoverage: Sendable, Equatable {
    public enum Status: String, Codable, Sendable, PostgresTextValue {
        case active, suspended, terminated
    }

    public var status: Status
    public var start: String?
    public var end: String?

    /// The status on `today`: an active member whose coverage ended before today is terminated.
    public func status(on today: String) -> Status {
        if status == .active, let end, end < today { return .terminated }
        return status
    }

    /// Whether a service on `date` is covered: not suspended, within the dates, and a member
    /// terminated without an end date covers nothing.
    public func covers(_ date: String) -> Bool {
        if status == .suspended || (status == .terminated && end == nil) { return false }
        if let start, date < start { return false }
        if let end, date > end { return false }
        return true
    }
}
