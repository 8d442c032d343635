import Foundation
import PostgresNIO

/// A validated plan identifier and the PostgreSQL schema derived from it.
///
/// This is the only way a schema name reaches SQL: the slug grammar
/// `^[a-z][a-z0-9-]{1,38}[a-z0-9]$` leaves nothing that needs escaping, and `quotedSchema` is
/// quoted anyway.
public struct PlanSlug: Sendable, Hashable, CustomStringConvertible, Codable {
    public let value: String
    /// The schema name as a quoted SQL identifier, written once per slug (every statement names
    /// it): one string, built when the slug is read.
    public let quotedSchema: String

    /// `plan_` followed by the slug with hyphens as underscores (`ramu-udem` → `plan_ramu_udem`).
    public var schemaName: String { String(quotedSchema.utf8.dropFirst().dropLast())! }

    public init?(_ raw: String) {
        // Read in place (every request on a plan's routes parses its `{plan}`: no array per request).
        let bytes = raw.utf8
        guard (3...40).contains(bytes.count) else { return nil }
        func isLower(_ b: UInt8) -> Bool { b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z") }
        func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }
        guard let first = bytes.first, isLower(first) else { return nil }
        guard let last = bytes.last, isLower(last) || isDigit(last) else { return nil }
        for b in bytes where !(isLower(b) || isDigit(b) || b == UInt8(ascii: "-")) {
            return nil
        }
        self.value = raw
        self.quotedSchema = String(unsafeUninitializedCapacity: bytes.count + 7) { out in
            var end = 0
            for b in "\"plan_".utf8 { out[end] = b; end += 1 }
            for b in bytes { out[end] = b == UInt8(ascii: "-") ? UInt8(ascii: "_") : b; end += 1 }
            out[end] = UInt8(ascii: "\"")
            return end + 1
        }
    }

    /// Validates or throws the 422 `invalid_plan_slug` problem.
    public static func parse(_ raw: String) throws -> PlanSlug {
        guard let slug = PlanSlug(raw) else { throw Problem.invalidPlanSlug }
        return slug
    }

    public var description: String { value }

    // A slug is its text: the schema name derived from it takes no part in equality or hashing
    // (session-cache and plan-cache keys hash one string).
    public static func == (a: PlanSlug, b: PlanSlug) -> Bool { a.value == b.value }
    public func hash(into hasher: inout Hasher) { hasher.combine(value) }
}

/// Bound as a text value (`WHERE slug = \(slug)`) and read back strictly: a stored slug that breaks
/// the grammar fails the query instead of becoming a schema name. In JSON it is its string
/// (`RawRepresentable`'s `Codable`).
extension PlanSlug: PostgresTextValue {
    public init?(rawValue: String) { self.init(rawValue) }
    public var rawValue: String { value }
}
