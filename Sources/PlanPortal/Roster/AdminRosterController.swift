import Foundation
import Hummingbird
import NIOCore

/// Tag `admin-roster`: the member roster a TPA loads for its plan.
struct AdminRosterController: Sendable {
    /// Largest roster file accepted (about 150,000 members).
    public static let maxRosterBytes = 16 * 1024 * 1024

    let roster: RosterRepository

    func addRoutes(to group: RouterGroup<AdminPlanRequestContext>) {
        group.put("roster", use: importRoster)
    }

    /// `importRoster`: `text/csv` body; all lines valid or nothing applied (422 `roster_invalid`).
    @Sendable func importRoster(_ request: Request, context: AdminPlanRequestContext) async throws -> Response {
        let body = try await Self.csvBytes(request)
        let result = try await roster.importCSV(body, plan: context.plan.slug, audit: context.auditEvent("roster.imported"))
        return try .json(result)
    }

    /// A roster file's bytes: `text/csv`, at most `maxRosterBytes` (else 415, 413); whether it is
    /// UTF-8 is checked as it is read (422 `roster_invalid`, `not_utf8`).
    static func csvBytes(_ request: Request) async throws -> ByteBuffer {
        let mediaType = request.headers[.contentType]?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
        guard mediaType == "text/csv" else { throw Problem.unsupportedMediaType }
        var request = request
        return try await request.collectBody(upTo: maxRosterBytes, tooLarge: .payloadTooLarge)
    }

    /// A roster file's text: `text/csv`, at most `maxRosterBytes`, UTF-8 (else 415, 413, 422).
    static func csvBody(_ request: Request) async throws -> String {
        let buffer = try await csvBytes(request)
        guard let text = String(validating: buffer.readableBytesView, as: UTF8.self) else {
            throw Problem.rosterInvalid([.init(line: 1, field: nil, reason: "not_utf8")])
        }
        return text
    }
}
