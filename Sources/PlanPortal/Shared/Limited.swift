/// The result of a rate-limited operation and the counters it hit, which the JSON API announces
/// in `RateLimit-Policy` / `RateLimit` headers.
struct Limited<Value: Sendable>: Sendable {
    var value: Value
    var limits: RateLimitOutcome
}
