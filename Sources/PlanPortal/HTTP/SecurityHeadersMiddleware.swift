import HTTPTypes
import Hummingbird

/// Headers every response carries: no MIME sniffing, no referrer, and a CSP that allows no script
/// and no framing (`/docs` sets its own, which the middleware keeps). Under `/v1/` a response is
/// `Cache-Control: no-store` unless its handler marked it public (terms, password policy,
/// security questions: `public, max-age=300` with `Vary: Accept-Language`).
public struct SecurityHeadersMiddleware: RouterMiddleware {
    public typealias Context = AppRequestContext

    public static let apiContentSecurityPolicy = "default-src 'none'; frame-ancestors 'none'"

    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.referrerPolicy] = "no-referrer"
        if response.headers[.contentSecurityPolicy] == nil {
            response.headers[.contentSecurityPolicy] = Self.apiContentSecurityPolicy
        }
        if request.uri.path.hasPrefix("/v1/"), response.headers[.cacheControl] == nil {
            response.headers[.cacheControl] = "no-store"
        }
        return response
    }
}

extension HTTPFields {
    /// `Cache-Control` and `Vary` of a public, member-free document that depends on the language only.
    public static let publicDocument: HTTPFields = [.cacheControl: "public, max-age=300", .vary: "Accept-Language"]

    /// `publicDocument` written in `language`.
    static func publicDocument(_ language: Language) -> HTTPFields {
        var fields = publicDocument
        fields[.contentLanguage] = language.rawValue
        return fields
    }
}

extension HTTPField.Name {
    public static let referrerPolicy = HTTPField.Name("Referrer-Policy")!
}
