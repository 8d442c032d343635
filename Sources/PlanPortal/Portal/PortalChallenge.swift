/// The plan's challenge as a portal form shows it: our proof-of-work solver (`portal.js`, no
/// third party), or the provider's own widget, whose script and frames are the only third-party
/// content a portal page may load, and only on the pages that show it.
struct PortalChallenge: Sendable {
    let plan: Plan

    var provider: ChallengeProvider { plan.challenge.provider }

    /// The provider's script, for the CSP and the page's `<script>`.
    var scriptURL: String? {
        switch provider {
        case .recaptcha:
            plan.challenge.minScore == nil ? "https://www.google.com/recaptcha/api.js"
                : "https://www.google.com/recaptcha/api.js?render=\(plan.challenge.siteKey ?? "")"
        case .hcaptcha: "https://js.hcaptcha.com/1/api.js"
        case .turnstile: "https://challenges.cloudflare.com/turnstile/v0/api.js"
        case .pow, .none: nil
        }
    }

    /// Origins the provider's script loads from, frames and calls.
    var origins: [String] {
        switch provider {
        case .recaptcha: ["https://www.google.com", "https://www.gstatic.com"]
        case .hcaptcha: ["https://hcaptcha.com", "https://*.hcaptcha.com"]
        case .turnstile: ["https://challenges.cloudflare.com"]
        case .pow, .none: []
        }
    }

    /// The form field the widget fills with its token.
    static let responseFields = ["challengeToken", "g-recaptcha-response", "h-captcha-response", "cf-turnstile-response"]

    /// The token a submitted form carries, whichever widget filled it.
    static func token(in form: PortalForm) -> String? {
        responseFields.lazy.compactMap { form.optional($0) }.first
    }

    func view(language: Language) -> [String: Any] {
        var view: [String: Any] = ["provider": provider.rawValue]
        switch provider {
        case .pow:
            view["pow"] = ["url": "/v1/plans/\(plan.slug.value)/challenge"]
        case .recaptcha:
            let version = plan.challenge.minScore == nil ? "v2" : "v3"
            view["widget"] = [
                "class": version == "v2" ? "g-recaptcha" : "pp-recaptcha-v3", "siteKey": plan.challenge.siteKey ?? "",
                "action": plan.challenge.action ?? "",
            ]
        case .hcaptcha:
            view["widget"] = ["class": "h-captcha", "siteKey": plan.challenge.siteKey ?? "", "action": ""]
        case .turnstile:
            view["widget"] = ["class": "cf-turnstile", "siteKey": plan.challenge.siteKey ?? "", "action": plan.challenge.action ?? ""]
        case .none:
            view["none"] = true
        }
        if let scriptURL { view["scriptUrl"] = scriptURL }
        return view
    }
}
