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
    @LowercaseUUID public var id: UUID
    public var status: ClaimStatus
    public var category: String
    public var serviceDate: String
    public var providerName: String
    public var amountCents: Int64
    public var currency: String
    /// Set once decided (0 when denied).
    @Nullable public var approvedAmountCents: Int64?
    public var submittedAt: Date
    public var updatedAt: Date
    /// Whose care it paid for: `self` (the member) or a dependant's id.
    public var patient: String
}

/// A stored receipt, without its bytes.
public struct ClaimAttachmentInfo: Codable, Sendable, Equatable {
    @LowercaseUUID public var id: UUID
    public var contentType: String
    @Nullable public var filename: String?
    public var sizeBytes: Int
    /// Lower-case hex SHA-256 of the bytes.
    public var sha256: String
    public var createdAt: Date
}

/// One entry of a claim's status history.
public struct ClaimStatusChange: Codable, Sendable, Equatable {
    public var status: ClaimStatus
    public var at: Date
    @Nullable public var reason: String?
}

/// A claim with its notes, receipts and history.
public struct ClaimDetail: Encodable, Sendable {
    public var summary: ClaimSummary
    @Nullable public var notes: String?
    public var attachments: [ClaimAttachmentInfo]
    public var statusHistory: [ClaimStatusChange]
    /// Set on the TPA's view only.
    public var certificateNumber: String?

    enum CodingKeys: String, CodingKey {
        case notes, attachments, statusHistory, certificateNumber
    }

    /// The contract's `allOf`: the summary's fields and these in one object (synthesis cannot
    /// flatten); `certificateNumber` is left out of the member's view.
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

    /// The contract's `allOf`: the summary's fields and the certificate number in one object.
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
    @Nullable public var nextCursor: String?
}
