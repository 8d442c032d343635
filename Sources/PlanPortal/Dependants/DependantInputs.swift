import Foundation

/// Body of `POST /v1/plans/{plan}/me/dependants/requests`.
public struct DependantRequestSubmission: Codable, Sendable, Equatable {
    public var relationship: Relationship
    public var lastName: String
    public var firstName: String
    public var dateOfBirth: String
    /// The life event the enrolment follows (arrival, marriage, birth, adoption…).
    public var eventDate: String

    /// Every broken rule in one 422 `validation_failed`; names come back trimmed.
    public func validated(today: String) throws -> DependantRequestSubmission {
        var errors: [LocalizedFieldError] = []
        var result = self
        for (field, value) in [("lastName", lastName), ("firstName", firstName)] {
            let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty || trimmed.count > 100 || MatchKey.name(trimmed).isEmpty
                || trimmed.unicodeScalars.contains(where: { CharacterSet.controlCharacters.contains($0) }) {
                errors.append(.dependants(field, "length", fr: "1 à 100 caractères, sans caractère de contrôle.", en: "1 to 100 characters, no control characters."))
            }
            if field == "lastName" { result.lastName = trimmed } else { result.firstName = trimmed }
        }
        let birth = CalendarDate.isValidPast(dateOfBirth) ? dateOfBirth : nil
        if birth == nil {
            errors.append(.dependants("dateOfBirth", "date", fr: "Date AAAA-MM-JJ passée attendue.", en: "Expected a past YYYY-MM-DD date."))
        }
        if let event = CalendarDate.parse(eventDate), event >= "1900-01-01" {
            if event > today {
                errors.append(.dependants("eventDate", "future", fr: "La date de l'événement ne peut pas être future.", en: "The event date cannot be in the future."))
            } else if let birth, event < birth {
                errors.append(.dependants("eventDate", "before_birth", fr: "L'événement ne peut précéder la naissance.", en: "The event cannot precede the birth."))
            }
        } else {
            errors.append(.dependants("eventDate", "format", fr: "Date AAAA-MM-JJ attendue.", en: "Expected a YYYY-MM-DD date."))
        }
        guard errors.isEmpty else { throw Problem.validation(errors) }
        return result
    }

    /// Whether a request made on `today` comes more than `windowDays` after the event.
    public func isLate(today: String, windowDays: Int) -> Bool {
        guard let event = CalendarDate.day(eventDate), let now = CalendarDate.day(today) else { return false }
        return now.timeIntervalSince(event) > Double(windowDays) * 86_400
    }
}

/// Body of `POST /v1/admin/plans/{plan}/dependant-requests/{requestId}/decision`.
public struct DependantRequestDecision: Decodable, Sendable {
    public enum Outcome: String, Codable, Sendable {
        case approved, denied
    }

    public var outcome: Outcome
    public var reason: String?
    /// The dependant's id on approval; generated when absent.
    public var dependantId: String?
    /// Coverage of the dependant on approval; from the event date, open-ended, when absent.
    public var coverageStart: String?
    public var coverageEnd: String?

    /// Every broken rule in one 422 `validation_failed`; the dependant id comes back normalised.
    public func validated() throws -> DependantRequestDecision {
        var errors: [LocalizedFieldError] = ClaimReason.errors(reason)
        var result = self
        if outcome == .denied {
            for (field, value) in [("dependantId", dependantId), ("coverageStart", coverageStart), ("coverageEnd", coverageEnd)] where value != nil {
                errors.append(.dependants(field, "denied", fr: "Sans objet pour un refus.", en: "Not allowed when denied."))
            }
        }
        if let dependantId {
            if let id = Patient.normalized(dependantId), id != Patient.selfValue {
                result.dependantId = id
            } else {
                errors.append(.dependants("dependantId", "format", fr: "1 à 30 lettres et chiffres.", en: "1 to 30 letters and digits."))
            }
        }
        for (field, value) in [("coverageStart", coverageStart), ("coverageEnd", coverageEnd)] {
            if let value, CalendarDate.parse(value).map({ $0 < "1900-01-01" }) ?? true {
                errors.append(.dependants(field, "format", fr: "Date AAAA-MM-JJ attendue.", en: "Expected a YYYY-MM-DD date."))
            }
        }
        if let start = coverageStart, let end = coverageEnd, CalendarDate.parse(start) != nil, CalendarDate.parse(end) != nil, end < start {
            errors.append(.dependants("coverageEnd", "before_start", fr: "La fin de couverture précède son début.", en: "Coverage ends before it starts."))
        }
        guard errors.isEmpty else { throw Problem.validation(errors) }
        return result
    }
}

/// `status`, `limit` and `cursor` of the enrolment request lists.
public typealias DependantRequestListQuery = KeysetQuery<DependantRequestStatus>

extension LocalizedFieldError {
    /// A 422 field error of the dependants features.
    static func dependants(_ field: String, _ rule: String, fr: String, en: String) -> LocalizedFieldError {
        LocalizedFieldError(field: field, rule: rule, message: .init(fr: fr, en: en))
    }
}

extension CalendarDate {
    /// Midnight UTC of a `YYYY-MM-DD` date, for counting days between dates.
    static func day(_ text: String) -> Date? {
        guard let date = parse(text) else { return nil }
        let parts = date.split(separator: "-").compactMap { Int($0) }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .gmt
        return calendar.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2]))
    }
}
