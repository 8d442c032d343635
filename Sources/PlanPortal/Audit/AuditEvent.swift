import Foundation

/// Who did something recorded in a plan's audit trail.
public enum AuditActor: Sendable, Equatable {
    case adminKey(UUID)
    /// A member's account.
    case member(UUID)
    case system
    case anonymous

    var type: String {
        switch self {
        case .adminKey: "admin_key"
        case .member: "member"
        case .system: "system"
        case .anonymous: "anonymous"
        }
    }

    var id: String? {
        switch self {
        case .adminKey(let id), .member(let id): id.uuidString.lowercased()
        case .system, .anonymous: nil
        }
    }
}

/// Non-personal facts attached to an audit event. Never a password, answer, token or date of birth.
public struct AuditDetails: Codable, Sendable, Equatable {
    /// Fields an admin changed (names only, not values).
    public var fields: [String]?
    /// Outcome or reason code (`matched`, `unmatched`, `invalid_credentials`…).
    public var outcome: String?
    /// The roster member (their `members.id`, never the certificate number) an admin action
    /// concerned: who was viewed, locked, unlocked or logged out, whose claim was read.
    public var memberId: String?

    public init(fields: [String]? = nil, outcome: String? = nil, memberId: UUID? = nil) {
        self.fields = fields
        self.outcome = outcome
        self.memberId = memberId?.uuidString.lowercased()
    }
}

/// A new entry for a plan's append-only audit trail.
public struct NewAuditEvent: Sendable {
    public var action: String
    public var actor: AuditActor
    public var requestID: String?
    public var ip: String?
    public var details: AuditDetails

    public init(action: String, actor: AuditActor, requestID: String? = nil, ip: String? = nil, details: AuditDetails = .init()) {
        self.action = action
        self.actor = actor
        self.requestID = requestID
        self.ip = ip
        self.details = details
    }
}

/// An audit entry as returned by `GET /v1/admin/plans/{plan}/audit-events`.
public struct AuditEvent: Codable, Sendable, Equatable {
    public var id: Int64
    public var occurredAt: Date
    public var action: String
    public var actorType: String
    public var actorId: String?
    public var requestId: String?
    public var details: AuditDetails
}

/// One page of audit events, newest first.
public struct AuditEventPage: Codable, Sendable {
    public var items: [AuditEvent]
    /// Null on the last page.
    @Nullable public var nextCursor: String?
}

extension AuditDetails {
    /// The details as the JSON object `audit_events.details` stores (absent fields left out),
    /// written directly rather than through `JSONEncoder` (every login writes one).
    var jsonText: String {
        var out = "{"
        func member(_ name: String, _ value: String) {
            if out.utf8.count > 1 { out += "," }
            out += "\"\(name)\":\(value)"
        }
        if let fields { member("fields", "[" + fields.map(JSONText.string).joined(separator: ",") + "]") }
        if let outcome { member("outcome", JSONText.string(outcome)) }
        if let memberId { member("memberId", JSONText.string(memberId)) }
        return out + "}"
    }
}
