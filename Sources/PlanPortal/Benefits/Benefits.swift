import Foundation
import PostgresNIO

/// One benefit category of a plan (`dental`, `vision`…), as the TPA sets it.
public struct BenefitCategory: Codable, Sendable, Equatable {
    public var code: String
    public var nameFr: String
    public var nameEn: String
    /// Share of a claimed amount the plan pays, 0 to 100.
    public var coveragePercent: Int
    /// Most the plan pays per member and benefit year; nil when unlimited.
    @Nullable public var annualMaximumCents: Int64?
    /// Most the plan pays for one claim; nil when unlimited.
    @Nullable public var perClaimMaximumCents: Int64?
    /// Whom the annual maximum is for: each person (the default) or the whole family together.
    /// Absent is `person`; `null` is refused (422), as the contract has it.
    @NonNull public var maximumScope: MaximumScope?

    public init(
        code: String, nameFr: String, nameEn: String, coveragePercent: Int, annualMaximumCents: Int64?, perClaimMaximumCents: Int64?,
        maximumScope: MaximumScope? = .person
    ) {
        self.code = code
        self.nameFr = nameFr
        self.nameEn = nameEn
        self.coveragePercent = coveragePercent
        self.annualMaximumCents = annualMaximumCents
        self.perClaimMaximumCents = perClaimMaximumCents
        self.maximumScope = maximumScope
    }

    /// `maximumScope`, `person` when the TPA left it out.
    public var scope: MaximumScope { maximumScope ?? .person }

    public func name(_ language: Language) -> String { language == .fr ? nameFr : nameEn }

    /// The most the plan may pay for a claim of `amount` when `used` was already paid this benefit year.
    public func cap(amount: Int64, used: Int64) -> Int64 {
        var cap = amount * Int64(coveragePercent) / 100
        if let perClaimMaximumCents { cap = min(cap, perClaimMaximumCents) }
        if let annualMaximumCents { cap = min(cap, max(0, annualMaximumCents - used)) }
        return cap
    }
}

/// Whom a category's annual maximum is for.
public enum MaximumScope: String, Codable, Sendable, PostgresTextValue {
    /// Each covered person has the whole maximum (a claim counts against its patient's).
    case person
    /// The member and their dependants share one maximum.
    case family
}

/// A plan's benefits: `PUT`/`GET /v1/admin/plans/{plan}/benefits`.
public struct Benefits: Codable, Sendable, Equatable {
    public static let maxCategories = 50
    /// Largest amount accepted anywhere in cents (ten million dollars).
    public static let maxCents: Int64 = 1_000_000_000

    /// `MM-DD` on which each benefit year starts (`09-01` for a university plan).
    public var benefitYearStart: String
    public var categories: [BenefitCategory]

    public init(benefitYearStart: String, categories: [BenefitCategory]) {
        self.benefitYearStart = benefitYearStart
        self.categories = categories
    }

    public func category(_ code: String) -> BenefitCategory? {
        categories.first { $0.code == code }
    }

    /// Every broken rule, as one 422 `validation_failed`.
    public func validate() throws {
        var errors: [LocalizedFieldError] = []
        if BenefitYear.monthDay(benefitYearStart) == nil {
            errors.append(.claims(
                "benefitYearStart", "pattern",
                fr: "Format MM-JJ attendu (jour réel, sauf le 29 février).",
                en: "Expected MM-DD (a real day, not February 29)."
            ))
        }
        if categories.count > Self.maxCategories {
            errors.append(.claims("categories", "max_items", fr: "Au plus \(Self.maxCategories) catégories.", en: "At most \(Self.maxCategories) categories."))
        }
        var seen = Set<String>()
        for (i, category) in categories.enumerated() {
            let field = "categories[\(i)]"
            if !Self.isCode(category.code) {
                errors.append(.claims(
                    "\(field).code", "pattern",
                    fr: "2 à 30 caractères : lettres minuscules, chiffres et _, en commençant par une lettre.",
                    en: "2 to 30 lower-case letters, digits and _, starting with a letter."
                ))
            } else if !seen.insert(category.code).inserted {
                errors.append(.claims("\(field).code", "unique", fr: "Code en double.", en: "Duplicate code."))
            }
            for (name, value) in [("nameFr", category.nameFr), ("nameEn", category.nameEn)] {
                let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
                if trimmed.isEmpty || trimmed.count > 100 || trimmed != value || value.hasNUL {
                    errors.append(.claims("\(field).\(name)", "length", fr: "1 à 100 caractères, sans espace autour.", en: "1 to 100 characters, no surrounding spaces."))
                }
            }
            if !(0...100).contains(category.coveragePercent) {
                errors.append(.claims("\(field).coveragePercent", "range", fr: "Entre 0 et 100.", en: "Between 0 and 100."))
            }
            if let annual = category.annualMaximumCents, !(0...Self.maxCents).contains(annual) {
                errors.append(.claims("\(field).annualMaximumCents", "range", fr: "Entre 0 et \(Self.maxCents), ou null.", en: "Between 0 and \(Self.maxCents), or null."))
            }
            if let perClaim = category.perClaimMaximumCents, !(1...Self.maxCents).contains(perClaim) {
                errors.append(.claims("\(field).perClaimMaximumCents", "range", fr: "Entre 1 et \(Self.maxCents), ou null.", en: "Between 1 and \(Self.maxCents), or null."))
            }
        }
        guard errors.isEmpty else { throw Problem.validation(errors) }
    }

    static func isCode(_ code: String) -> Bool {
        let bytes = Array(code.utf8)
        guard (2...30).contains(bytes.count), (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(bytes[0]) else { return false }
        return bytes.allSatisfy {
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || $0 == UInt8(ascii: "_")
        }
    }
}

/// Benefit years, as `YYYY-MM-DD` strings (calendar dates, no time zone).
public enum BenefitYear {
    /// Month and day of a `MM-DD` start; nil unless it is a real day of every year (so not 02-29).
    public static func monthDay(_ text: String) -> (month: Int, day: Int)? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard text.utf8.count == 5, parts.count == 2, parts[0].count == 2, parts[1].count == 2,
              let month = Int(parts[0]), let day = Int(parts[1]), (1...12).contains(month), day >= 1,
              day <= [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        else { return nil }
        return (month, day)
    }

    /// The benefit year starting on `start` (`MM-DD`) that holds `date` (`YYYY-MM-DD`): first and last day.
    public static func containing(_ date: String, start: String) -> (start: String, end: String) {
        let (month, day) = monthDay(start) ?? (1, 1)
        let year = Int(date.prefix(4)) ?? 1970
        let thisYear = String(format: "%04d-%02d-%02d", year, month, day)
        let first = date >= thisYear ? year : year - 1
        return (String(format: "%04d-%02d-%02d", first, month, day), dayBefore(String(format: "%04d-%02d-%02d", first + 1, month, day)))
    }

    /// The calendar day before `date`.
    static func dayBefore(_ date: String) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .gmt
        let parts = date.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3,
              let day = calendar.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2])),
              let before = calendar.date(byAdding: .day, value: -1, to: day)
        else { return date }
        let c = calendar.dateComponents([.year, .month, .day], from: before)
        return String(format: "%04d-%02d-%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0)
    }
}
