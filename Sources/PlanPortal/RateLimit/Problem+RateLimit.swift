import HTTPTypes

extension Problem {
    /// 429 with `Retry-After` in seconds.
    public static func rateLimited(retryAfter seconds: Int) -> Problem {
        Problem(
            status: .tooManyRequests,
            code: "rate_limited",
            title: .init(fr: "Trop de requêtes", en: "Too many requests"),
            detail: .init(
                fr: "Trop de tentatives en peu de temps. Réessayez dans \(seconds) secondes.",
                en: "Too many attempts in a short time. Try again in \(seconds) seconds."
            ),
            headers: [.retryAfter: "\(seconds)"]
        )
    }
}
