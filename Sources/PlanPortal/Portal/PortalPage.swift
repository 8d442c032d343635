import Foundation
import HTTPTypes
import Hummingbird
import Mustache
import NIOCore

/// What a portal handler knows of its request: the plan, the language the page is written in,
/// the journey state of the flow cookie, the member's session once logged in.
struct PortalScope: Sendable {
    let plan: Plan
    let language: Language
    var flow: PortalFlow
    /// The flow cookie must be (re)written with the response.
    var flowChanged: Bool
    let facts: RequestFacts
    var session: MemberSession?
    /// Cookies to set or clear with the response (session, device, flow on logout).
    var cookies: [HTTPField] = []

    var base: String { "/portal/\(plan.slug.value)" }

    mutating func updateFlow(_ change: (inout PortalFlow) -> Void) {
        change(&flow)
        flowChanged = true
    }

    /// Takes an e-mailed link's `?token=` out of the URL into the flow cookie, for a while.
    mutating func keepLinkToken(_ raw: String, as field: WritableKeyPath<PortalFlow, String?>) {
        updateFlow {
            $0[keyPath: field] = LinkToken(raw)?.value
            $0.linkExpiresAt = Date().addingTimeInterval(PortalFlow.linkLifetime)
        }
    }
}

/// Values, field errors, a general problem and a status message of the form a page shows.
struct PortalFormState: Sendable {
    var values: [String: String] = [:]
    var errors: [LocalizedFieldError] = []
    /// A refusal that is not about one field (shown in the error summary without a link).
    var problem: Problem?
    /// A status message announced to screen readers (`role="status"`).
    var notice: String?
    var status: HTTPResponse.Status = .ok

    init(values: [String: String] = [:], notice: String? = nil) {
        self.values = values
        self.notice = notice
    }

    /// Shows `problem` on the form: its field errors next to their fields (renamed by `fields`
    /// from the operation's names to the form's), a problem about one field (by `code`) next to
    /// it, any other in the summary. The page answers with the problem's status.
    mutating func show(_ problem: Problem, fields: [String: String] = [:], codes: [String: String] = [:]) {
        status = problem.status
        if !problem.errors.isEmpty {
            errors += problem.errors.map { error in
                var error = error
                error.field = fields[error.field] ?? error.field
                return error
            }
        } else if let field = codes[problem.code] {
            errors.append(LocalizedFieldError(field: field, rule: problem.code, message: problem.detail))
        } else {
            self.problem = problem
        }
    }

    mutating func fail(_ field: String, _ message: LocalizedText) {
        errors.append(LocalizedFieldError(field: field, rule: "portal", message: message))
        if status == .ok { status = .unprocessableContent }
    }

    var hasErrors: Bool { !errors.isEmpty || problem != nil }
}

/// Renders portal pages (the layout, the plan's words, the form's errors) and the redirects
/// between them, with the flow and session cookies the handler changed.
struct PortalRenderer: Sendable {
    let assets: PortalAssets
    let sealer: PortalSealer

    /// A page of template `template`; `title` is a text key.
    func page(
        _ template: String, title: String, scope: PortalScope, data: [String: Any] = [:], form: PortalFormState = .init(),
        challenge: PortalChallenge? = nil
    ) -> Response {
        let language = scope.language
        let texts = PortalText.all(language)
        let other: Language = language == .fr ? .en : .fr
        var summary: [[String: String]] = form.errors.map { ["field": $0.field, "message": $0.message(language)] }
        if let problem = form.problem {
            summary.insert(["message": "\(problem.title(language)). \(problem.detail(language))"], at: 0)
        }
        var fieldErrors: [String: String] = [:]
        for error in form.errors {
            // Every rule a field breaks, next to it (a password can break several).
            fieldErrors[error.field] = fieldErrors[error.field].map { "\($0) \(error.message(language))" } ?? error.message(language)
        }
        var context: [String: Any] = [
            "lang": language.rawValue,
            "t": texts,
            "title": texts[title] ?? title,
            "base": scope.base,
            "assets": "/portal/static",
            "version": assets.version,
            "csrf": sealer.csrfToken(nonce: scope.flow.nonce, plan: scope.plan.slug),
            "member": scope.session != nil,
            "switch": ["lang": other.rawValue, "label": other == .fr ? "Français" : "English"],
            "plan": planView(scope.plan, language: language),
            "summary": summary,
            "hasErrors": !summary.isEmpty,
            "err": fieldErrors,
            "val": form.values,
        ]
        if let notice = form.notice { context["notice"] = notice }
        if let challenge { context["challenge"] = challenge.view(language: language) }
        for (key, value) in data { context[key] = value }
        let html = assets.library.render(context, withTemplate: template) ?? ""
        var headers: HTTPFields = [
            .contentType: "text/html; charset=utf-8", .cacheControl: "no-store", .contentLanguage: language.rawValue,
        ]
        headers[.contentSecurityPolicy] = PortalHeadersMiddleware.contentSecurityPolicy(challenge: challenge)
        var response = Response(status: form.status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
        addCookies(scope, to: &response)
        return response
    }

    /// 303 See Other to a portal path (post/redirect/get).
    func redirect(_ path: String, scope: PortalScope) -> Response {
        var response = Response(status: .seeOther, headers: [.location: path, .cacheControl: "no-store"])
        addCookies(scope, to: &response)
        return response
    }

    private func addCookies(_ scope: PortalScope, to response: inout Response) {
        if scope.flowChanged, let sealed = sealer.seal(scope.flow, plan: scope.plan.slug) {
            response.headers.append(PortalCookie.header(PortalCookie.flow(scope.plan.slug), sealed, maxAge: PortalFlow.maxAge))
        }
        for cookie in scope.cookies { response.headers.append(cookie) }
    }
}

extension Date {
    /// `YYYY-MM-DD` of the instant in Eastern time, how members read dates of their plan.
    var portalDay: String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "America/Toronto") ?? TimeZone(secondsFromGMT: 0)!
        let parts = calendar.dateComponents([.year, .month, .day], from: self)
        return String(format: "%04d-%02d-%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
    }
}

enum PortalFormat {
    /// Cents as money in the member's language: `1 234,50 $` or `$1,234.50`.
    static func money(_ cents: Int64, _ language: Language) -> String {
        let negative = cents < 0
        let absolute = cents.magnitude
        let dollars = String(absolute / 100)
        var grouped = ""
        for (index, character) in dollars.reversed().enumerated() {
            if index > 0, index % 3 == 0 { grouped.insert(contentsOf: language == .fr ? "\u{202F}" : ",", at: grouped.startIndex) }
            grouped.insert(character, at: grouped.startIndex)
        }
        let fraction = String(format: "%02d", Int(absolute % 100))
        let sign = negative ? "-" : ""
        return language == .fr ? "\(sign)\(grouped),\(fraction)\u{00A0}$" : "\(sign)$\(grouped).\(fraction)"
    }

    /// `85,50`, `85.50`, `$85`, `1 234.5` as cents, or nil.
    static func cents(_ text: String) -> Int64? {
        var cleaned = text.filter { !$0.isWhitespace && $0 != "$" && $0 != "\u{202F}" && $0 != "\u{00A0}" }
        cleaned = cleaned.replacingOccurrences(of: ",", with: ".")
        let parts = cleaned.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let whole = Int64(parts[0].isEmpty ? "0" : parts[0]), whole >= 0, whole < 100_000_000 else { return nil }
        guard parts[0].allSatisfy(\.isNumber) else { return nil }
        var fraction: Int64 = 0
        if parts.count == 2 {
            guard (1...2).contains(parts[1].count), parts[1].allSatisfy(\.isNumber), let value = Int64(parts[1]) else { return nil }
            fraction = parts[1].count == 1 ? value * 10 : value
        }
        return whole * 100 + fraction
    }
}
