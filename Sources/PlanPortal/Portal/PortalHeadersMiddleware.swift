import Foundation
import HTTPTypes
import Hummingbird

/// The portal's own headers, on every `/portal/**` response: a strict CSP (scripts, styles,
/// images, fetches and workers from this origin only, plus the plan's challenge provider on the
/// pages that show its widget; no inline script or style; no framing), no referrer, and
/// `Cache-Control: no-store` unless the response is a static file. It also takes the language
/// switch (`?lang=fr|en` on a GET): remembered in a cookie, then the same page without it.
struct PortalHeadersMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    static func contentSecurityPolicy(challenge: PortalChallenge? = nil) -> String {
        let origins = challenge?.origins ?? []
        let extra = origins.isEmpty ? "" : " " + origins.joined(separator: " ")
        return [
            "default-src 'self'",
            "script-src 'self'\(extra)",
            "style-src 'self'\(extra)",
            "img-src 'self'",
            "connect-src 'self'\(extra)",
            "frame-src \(origins.isEmpty ? "'none'" : origins.joined(separator: " "))",
            "worker-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ].joined(separator: "; ")
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        if request.method == .get, let switched = Self.languageSwitch(request) {
            response = switched
        } else {
            response = try await next(request, context)
        }
        if response.headers[.contentSecurityPolicy] == nil {
            response.headers[.contentSecurityPolicy] = Self.contentSecurityPolicy()
        }
        response.headers[.referrerPolicy] = "no-referrer"
        response.headers[.xFrameOptions] = "DENY"
        if response.headers[.cacheControl] == nil { response.headers[.cacheControl] = "no-store" }
        return response
    }

    /// `?lang=en` on any portal page: the cookie, and 303 to the same path and other parameters.
    static func languageSwitch(_ request: Request) -> Response? {
        let query = request.uri.queryParameters
        guard let raw = query.get("lang") else { return nil }
        var rest: [String] = []
        for (name, value) in query where name != "lang" {
            let encoded = String(value).addingPercentEncoding(withAllowedCharacters: .urlQueryValueAllowed) ?? ""
            rest.append("\(name)=\(encoded)")
        }
        let location = request.uri.path + (rest.isEmpty ? "" : "?" + rest.joined(separator: "&"))
        var response = Response(status: .seeOther, headers: [.location: location])
        if let language = Language(rawValue: String(raw)) {
            response.headers.append(PortalCookie.header(PortalCookie.language, language.rawValue, maxAge: PortalCookie.languageMaxAge))
        }
        return response
    }
}

extension CharacterSet {
    /// Unreserved characters of a query value.
    static let urlQueryValueAllowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")
}

extension HTTPField.Name {
    static let xFrameOptions = HTTPField.Name("X-Frame-Options")!
}
