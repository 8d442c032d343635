import Crypto
import Foundation
import HTTPTypes
import Hummingbird

/// The portal's cookies, all `__Host-` (Secure, Path=/, no Domain: a sibling subdomain cannot set
/// or read them), HttpOnly and SameSite=Lax, one set per plan so a member of two plans keeps both:
/// - `__Host-pp-{plan}`: the member session token (the same session the JSON API's bearer token is);
/// - `__Host-pp-{plan}-device`: the device token of a recognised browser (long-lived);
/// - `__Host-pp-{plan}-flow`: the sealed state of a journey before login (`PortalFlow`);
/// - `__Host-pp-lang`: the language the member chose.
enum PortalCookie {
    static func session(_ plan: PlanSlug) -> String { "__Host-pp-\(plan.value)" }
    static func device(_ plan: PlanSlug) -> String { "__Host-pp-\(plan.value)-device" }
    static func flow(_ plan: PlanSlug) -> String { "__Host-pp-\(plan.value)-flow" }
    static let language = "__Host-pp-lang"

    /// A device token is remembered for 180 days; the language for a year.
    static let deviceMaxAge = 180 * 24 * 3600
    static let languageMaxAge = 365 * 24 * 3600

    /// A `Set-Cookie` value; `maxAge` nil is a browser-session cookie, 0 deletes it.
    static func header(_ name: String, _ value: String, maxAge: Int?) -> HTTPField {
        var text = "\(name)=\(value); Path=/; Secure; HttpOnly; SameSite=Lax"
        if let maxAge { text += "; Max-Age=\(maxAge)" }
        return HTTPField(name: .setCookie, value: text)
    }

    static func clear(_ name: String) -> HTTPField { header(name, "", maxAge: 0) }

    /// The value of cookie `name` on `request`, when it is there and not empty.
    static func value(_ name: String, in request: Request) -> String? {
        guard let value = request.cookies[name]?.value, !value.isEmpty else { return nil }
        return value
    }
}

/// What the portal remembers between the pages of a journey before login, sealed with
/// `SECRETS_KEY` (AES-GCM, bound to the plan) in the `-flow` cookie: the CSRF nonce, the
/// registration in progress, and a link token taken out of the e-mailed URL. No script can read
/// it (HttpOnly) and no page or URL shows it.
struct PortalFlow: Codable, Sendable, Equatable {
    /// The CSRF nonce every form's token is derived from (signed double-submit).
    var nonce: String
    /// The registration `startRegistration` opened (steps 2 and the "check your e-mail" page).
    var registrationID: UUID?
    /// An activation or reset token moved out of the URL, and until when it is kept.
    var activationToken: String?
    var resetToken: String?
    var linkExpiresAt: Date?

    /// A link token is kept in the cookie for 30 minutes at most (the link itself lives longer).
    static let linkLifetime: TimeInterval = 30 * 60
    /// The flow cookie lives as long as the browser, at most a day.
    static let maxAge = 24 * 3600

    static func fresh() -> PortalFlow {
        PortalFlow(nonce: SecretToken.generate())
    }

    var liveActivationToken: LinkToken? { linkIsLive ? activationToken.flatMap(LinkToken.init) : nil }
    var liveResetToken: LinkToken? { linkIsLive ? resetToken.flatMap(LinkToken.init) : nil }
    private var linkIsLive: Bool { (linkExpiresAt ?? .distantPast) > Date() }
}

/// Seals and opens the flow cookie and derives the CSRF token of a form.
struct PortalSealer: Sendable {
    let secrets: SecretBox

    func seal(_ flow: PortalFlow, plan: PlanSlug) -> String? {
        guard let json = try? JSONEncoder().encode(flow) else { return nil }
        return try? secrets.seal(String(decoding: json, as: UTF8.self), context: "portal-flow:\(plan.value)")
    }

    /// The flow in the cookie, or nil when there is none or it does not open (another key, another plan, tampered).
    func open(_ request: Request, plan: PlanSlug) -> PortalFlow? {
        guard let sealed = PortalCookie.value(PortalCookie.flow(plan), in: request),
              let json = try? secrets.open(sealed, context: "portal-flow:\(plan.value)"),
              sealed.hasPrefix("enc:")
        else { return nil }
        return try? JSONDecoder().decode(PortalFlow.self, from: Data(json.utf8))
    }

    /// The form token for `nonce`: HMAC-SHA256 under a key derived from `SECRETS_KEY`, so every
    /// replica computes the same one and a cross-site page, which cannot read the cookie, cannot.
    func csrfToken(nonce: String, plan: PlanSlug) -> String {
        let key = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: secrets.current.key, info: Data("planportal portal csrf".utf8), outputByteCount: 32
        )
        let mac = HMAC<SHA256>.authenticationCode(for: Data("\(plan.value)|\(nonce)".utf8), using: key)
        return SecretToken.base64URL(Array(mac))
    }

    /// Whether `token` (the form's `_csrf`) belongs to the nonce in the cookie, in constant time.
    func csrfMatches(_ token: String?, nonce: String, plan: PlanSlug) -> Bool {
        guard let token else { return false }
        let expected = Array(csrfToken(nonce: nonce, plan: plan).utf8)
        let given = Array(token.utf8)
        guard expected.count == given.count else { return false }
        return zip(expected, given).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
