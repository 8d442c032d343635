import HTTPTypes
import NIOCore

/// A plan's logo for every presentation: stored (`putPlanLogo`, `deletePlanLogo`, admin) and
/// served (`getPlanLogo`, the route the portal's pages link to, so they load it from their own origin).
struct BrandingOperations: Sendable {
    let logos: BrandingRepository

    /// The image is told by its first bytes (PNG, JPEG, WebP), at most 256 KiB and 4096 px a side.
    func putPlanLogo(plan: PlanSlug, bytes: [UInt8], audit: NewAuditEvent) async throws -> PlanLogo {
        try await logos.putLogo(plan: plan, image: try LogoImage(bytes), audit: audit)
    }

    func deletePlanLogo(plan: PlanSlug, audit: NewAuditEvent) async throws {
        try await logos.deleteLogo(plan: plan, audit: audit)
    }

    /// The logo with its sniffed type and `ETag`. An address carrying the current version (`?v=`,
    /// as `PublicPlan` builds it) may be cached for a year, any other for 5 minutes; a matching
    /// `If-None-Match` gets 304 without the bytes.
    func getPlanLogo(plan: PlanSlug, version: String?, ifNoneMatch: String?) async throws -> LogoDownload {
        guard let logo = try await logos.logo(plan: plan) else { throw Problem.logoNotFound }
        let etag = "\"\(logo.sha256)\""
        let current = version.map { $0.count >= 16 && logo.sha256.hasPrefix($0) } ?? false
        var headers: HTTPFields = [.eTag: etag, .cacheControl: current ? "public, max-age=31536000, immutable" : "public, max-age=300"]
        if let ifNoneMatch, ifNoneMatch.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == etag || $0 == "*" }) {
            return LogoDownload(status: .notModified, headers: headers, bytes: nil)
        }
        headers[.contentType] = logo.contentType
        return LogoDownload(status: .ok, headers: headers, bytes: logo.bytes)
    }
}

/// What `getPlanLogo` answers: 200 with the bytes, or 304 without.
struct LogoDownload: Sendable {
    var status: HTTPResponse.Status
    var headers: HTTPFields
    var bytes: ByteBuffer?
}
