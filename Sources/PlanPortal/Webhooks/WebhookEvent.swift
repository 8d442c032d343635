import Foundation

/// The events a plan's webhook endpoints can subscribe to.
public enum WebhookEventType: String, Codable, Sendable, CaseIterable, PostgresTextValue {
    case memberActivated = "member.activated"
    case memberLocked = "member.locked"
    case claimSubmitted = "claim.submitted"
    case claimStatusChanged = "claim.status_changed"
    case dependantRequestSubmitted = "dependant_request.submitted"
    case dependantRequestDecided = "dependant_request.decided"
    case rosterImported = "roster.imported"
}

/// What happened, as sent to endpoints: `{id, type, plan, occurredAt, data}`. `data` is built
/// only by the constructors below from typed values, so it names a member by certificate number
/// and can never carry a password, answer, token, date of birth or receipt.
public struct WebhookEvent: Sendable {
    /// Also the `webhook-id` of every attempt and replay: receivers dedupe on it.
    public let id: UUID
    public let type: WebhookEventType
    public let occurredAt: Date
    let data: any Encodable & Sendable

    init(type: WebhookEventType, data: any Encodable & Sendable, id: UUID = UUID(), occurredAt: Date = Date()) {
        self.id = id
        self.type = type
        self.data = data
        self.occurredAt = occurredAt
    }

    /// The JSON body, byte for byte what every attempt sends and signs.
    func body(plan: PlanSlug) throws -> String {
        let envelope = Envelope(id: id.uuidString.lowercased(), type: type, plan: plan.value, occurredAt: occurredAt, data: data)
        return String(decoding: try JSONCoding.encoder.encode(envelope), as: UTF8.self)
    }

    private struct Envelope: Encodable {
        var id: String
        var type: WebhookEventType
        var plan: String
        var occurredAt: Date
        var data: any Encodable & Sendable

        enum CodingKeys: String, CodingKey { case id, type, plan, occurredAt, data }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(id, forKey: .id)
            try c.encode(type, forKey: .type)
            try c.encode(plan, forKey: .plan)
            try c.encode(occurredAt, forKey: .occurredAt)
            try c.encode(data, forKey: .data)
        }
    }
}

// MARK: The events

extension WebhookEvent {
    /// An account was activated (RAMU step 9).
    static func memberActivated(certificateNumber: String) -> WebhookEvent {
        WebhookEvent(type: .memberActivated, data: MemberData(certificateNumber: certificateNumber))
    }

    /// An account was locked; `reason` is a stable code (never free text).
    static func memberLocked(certificateNumber: String, reason: String) -> WebhookEvent {
        WebhookEvent(type: .memberLocked, data: MemberLockedData(certificateNumber: certificateNumber, reason: reason))
    }

    static func claimSubmitted(_ claim: ClaimSummary, certificateNumber: String) -> WebhookEvent {
        WebhookEvent(type: .claimSubmitted, data: ClaimData(claim, certificateNumber: certificateNumber, previousStatus: nil))
    }

    /// A TPA status change or decision: the new status and the amounts.
    static func claimStatusChanged(_ claim: ClaimSummary, previousStatus: ClaimStatus, certificateNumber: String) -> WebhookEvent {
        WebhookEvent(type: .claimStatusChanged, data: ClaimData(claim, certificateNumber: certificateNumber, previousStatus: previousStatus))
    }

    /// A member asked to enrol a dependant (the dependants work calls this).
    static func dependantRequestSubmitted(
        requestID: UUID, certificateNumber: String, relationship: String, late: Bool
    ) -> WebhookEvent {
        WebhookEvent(type: .dependantRequestSubmitted, data: DependantRequestData(
            requestId: requestID.uuidString.lowercased(), certificateNumber: certificateNumber, relationship: relationship,
            late: late, outcome: nil, dependantId: nil
        ))
    }

    /// The TPA decided an enrolment request; `dependantID` is set on approval.
    static func dependantRequestDecided(
        requestID: UUID, certificateNumber: String, relationship: String, late: Bool, outcome: String, dependantID: String?
    ) -> WebhookEvent {
        WebhookEvent(type: .dependantRequestDecided, data: DependantRequestData(
            requestId: requestID.uuidString.lowercased(), certificateNumber: certificateNumber, relationship: relationship,
            late: late, outcome: outcome, dependantId: dependantID
        ))
    }

    /// A roster file was applied (`roster`: `members`, or `dependants` for the dependants file).
    static func rosterImported(_ result: RosterImportResult, roster: String = "members") -> WebhookEvent {
        WebhookEvent(type: .rosterImported, data: RosterData(roster: roster, inserted: result.inserted, updated: result.updated, unchanged: result.unchanged))
    }
}

struct MemberData: Encodable, Sendable {
    var certificateNumber: String
}

struct MemberLockedData: Encodable, Sendable {
    var certificateNumber: String
    var reason: String
}

/// A claim as events show it: no provider, notes or receipts.
struct ClaimData: Encodable, Sendable {
    var claimId: String
    var certificateNumber: String
    /// `self` or the dependant's id (the TPA's identifier, never a name or a date of birth).
    var patient: String
    var status: ClaimStatus
    var previousStatus: ClaimStatus?
    var category: String
    var serviceDate: String
    var amountCents: Int64
    @Nullable var approvedAmountCents: Int64?
    var currency: String

    init(_ claim: ClaimSummary, certificateNumber: String, previousStatus: ClaimStatus?) {
        claimId = claim.id.uuidString.lowercased()
        self.certificateNumber = certificateNumber
        patient = claim.patient
        status = claim.status
        self.previousStatus = previousStatus
        category = claim.category
        serviceDate = claim.serviceDate
        amountCents = claim.amountCents
        approvedAmountCents = claim.approvedAmountCents
        currency = claim.currency
    }
}

struct DependantRequestData: Encodable, Sendable {
    var requestId: String
    var certificateNumber: String
    var relationship: String
    /// Asked more than the plan's window after the life event. The event's date is left out:
    /// for a birth it is a date of birth.
    var late: Bool
    var outcome: String?
    var dependantId: String?
}

struct RosterData: Encodable, Sendable {
    var roster: String
    var inserted: Int
    var updated: Int
    var unchanged: Int
}
