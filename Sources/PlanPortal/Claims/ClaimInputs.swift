import Crypto
import Foundation

/// Body of `POST /v1/plans/{plan}/me/claims`.
public struct ClaimSubmission: Codable, Sendable, Equatable {
    public var category: String
    public var serviceDate: String
    public var providerName: String
    public var amountCents: Int64
    public var currency: String
    public var notes: String?
    /// `self` (the default) or the id of one of the member's dependants.
    public var patient: String?

    public init(
        category: String, serviceDate: String, providerName: String, amountCents: Int64, currency: String, notes: String?, patient: String? = nil
    ) {
        self.category = category
        self.serviceDate = serviceDate
        self.providerName = providerName
        self.amountCents = amountCents
        self.currency = currency
        self.notes = notes
        self.patient = patient
    }

    /// The SHA-256 of the canonical JSON of the submission: what an Idempotency-Key is bound to
    /// (insensitive to key order and white space of the request).
    public var fingerprint: [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = (try? encoder.encode(self)) ?? Data()
        return Array(SHA256.hash(data: data))
    }

    /// The rules that need no database: every broken one in one 422 `validation_failed`.
    public func validateShape(today: String) throws {
        var errors: [LocalizedFieldError] = []
        if let date = CalendarDate.parse(serviceDate), date >= "1900-01-01" {
            if date > today {
                errors.append(.claims("serviceDate", "future", fr: "La date de service ne peut pas être future.", en: "The service date cannot be in the future."))
            }
        } else {
            errors.append(.claims("serviceDate", "format", fr: "Date AAAA-MM-JJ attendue.", en: "Expected a YYYY-MM-DD date."))
        }
        let provider = providerName.trimmingCharacters(in: .whitespacesAndNewlines)
        if provider.isEmpty || provider.count > 200 || providerName.hasNUL {
            errors.append(.claims("providerName", "length", fr: "1 à 200 caractères.", en: "1 to 200 characters."))
        }
        if amountCents <= 0 {
            errors.append(.claims("amountCents", "positive", fr: "Le montant doit être positif.", en: "The amount must be positive."))
        } else if amountCents > Benefits.maxCents {
            errors.append(.claims("amountCents", "range", fr: "Montant trop élevé.", en: "Amount too high."))
        }
        if currency != "CAD" {
            errors.append(.claims("currency", "enum", fr: "Seule la devise CAD est acceptée.", en: "Only CAD is accepted."))
        }
        if let notes, notes.count > 2000 || notes.hasNUL {
            errors.append(.claims("notes", "length", fr: "Au plus 2000 caractères.", en: "At most 2000 characters."))
        }
        if let patient, patient.count > 100 || patient.hasNUL {
            errors.append(.claims("patient", "length", fr: "Au plus 100 caractères.", en: "At most 100 characters."))
        }
        guard errors.isEmpty else { throw Problem.validation(errors) }
    }

    static func unknownCategory() -> Problem {
        .validation([.claims("category", "unknown", fr: "Catégorie inconnue pour ce régime.", en: "Unknown category for this plan.")])
    }

    static func outsideCoverage() -> Problem {
        .validation([.claims(
            "serviceDate", "outside_coverage",
            fr: "Vous n'étiez pas couvert à cette date de service.",
            en: "You were not covered on this service date."
        )])
    }
}

extension String {
    /// PostgreSQL text cannot hold U+0000: such input is a 422, never a failed INSERT.
    var hasNUL: Bool { unicodeScalars.contains("\u{0}") }
}

/// What makes a claim submission idempotent (the `Idempotency-Key` header of the JSON API):
/// 1 to 100 printable ASCII characters, else 422.
public struct IdempotencyKey: Sendable {
    public let value: String

    public init(_ raw: String?) throws {
        guard let raw, (1...100).contains(raw.utf8.count), raw.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
            throw Problem.idempotencyKeyRequired
        }
        value = raw
    }
}

/// Body of `POST /v1/admin/plans/{plan}/claims/{claimId}/decision`.
public struct ClaimDecision: Decodable, Sendable {
    public var outcome: ClaimStatus
    /// Required for `partially_approved`; defaults to the cap for `approved`; must be absent, null or 0 for `denied`.
    public var approvedAmountCents: Int64?
    public var reason: String?

    public func validate() throws {
        var errors: [LocalizedFieldError] = []
        if !outcome.isDecision {
            errors.append(.claims("outcome", "enum", fr: "approved, partially_approved ou denied.", en: "approved, partially_approved or denied."))
        }
        switch (outcome, approvedAmountCents) {
        case (.denied, let amount?) where amount != 0:
            errors.append(.claims("approvedAmountCents", "denied", fr: "Doit être nul ou 0 pour un refus.", en: "Must be null or 0 when denied."))
        case (.partiallyApproved, nil):
            errors.append(.claims("approvedAmountCents", "required", fr: "Ce champ est obligatoire.", en: "This field is required."))
        case (.approved, let amount?), (.partiallyApproved, let amount?):
            if amount <= 0 {
                errors.append(.claims("approvedAmountCents", "positive", fr: "Le montant doit être positif.", en: "The amount must be positive."))
            }
        default:
            break
        }
        errors += ClaimReason.errors(reason)
        guard errors.isEmpty else { throw Problem.validation(errors) }
    }
}

/// Body of `POST /v1/admin/plans/{plan}/claims/{claimId}/status`.
public struct ClaimStatusUpdate: Decodable, Sendable {
    public var status: ClaimStatus
    public var reason: String?

    public func validate() throws {
        var errors: [LocalizedFieldError] = []
        if status != .inReview && status != .paid {
            errors.append(.claims("status", "enum", fr: "in_review ou paid (les décisions passent par /decision).", en: "in_review or paid (decisions go through /decision)."))
        }
        errors += ClaimReason.errors(reason)
        guard errors.isEmpty else { throw Problem.validation(errors) }
    }
}

enum ClaimReason {
    static func errors(_ reason: String?) -> [LocalizedFieldError] {
        guard let reason, reason.count > 500 || reason.hasNUL else { return [] }
        return [.claims("reason", "length", fr: "Au plus 500 caractères.", en: "At most 500 characters.")]
    }
}

/// `status`, `limit` and `cursor` of the claim lists.
public typealias ClaimListQuery = KeysetQuery<ClaimStatus>

/// `status`, `limit` and `cursor` of a keyset list (claims, enrolment requests): newest first.
public struct KeysetQuery<Status: RawRepresentable & Sendable>: Sendable where Status.RawValue == String {
    public var status: Status?
    public var limit: Int
    /// Keyset position to continue below (exclusive).
    public var before: Int64?

    public init(status rawStatus: String?, limit rawLimit: String?, cursor: String?) throws {
        var errors: [LocalizedFieldError] = []
        status = nil
        if let rawStatus, !rawStatus.isEmpty {
            if let parsed = Status(rawValue: rawStatus) {
                status = parsed
            } else {
                errors.append(.claims("status", "enum", fr: "Statut inconnu.", en: "Unknown status."))
            }
        }
        limit = 20
        if let rawLimit {
            if let value = Int(rawLimit), (1...100).contains(value) {
                limit = value
            } else {
                errors.append(.claims("limit", "range", fr: "Entre 1 et 100.", en: "Between 1 and 100."))
            }
        }
        before = nil
        if let cursor {
            do {
                before = try Cursor.decode(cursor)
            } catch let problem as Problem {
                errors += problem.errors
            }
        }
        guard errors.isEmpty else { throw Problem.validation(errors) }
    }
}
