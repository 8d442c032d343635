/// What an operation may know about the request that asked for it, whichever presentation made
/// it (the JSON API, the portal): never its body, path or token.
struct RequestFacts: Sendable {
    var requestID: String?
    /// The client's address (after `TRUSTED_PROXIES`): rate limits, challenge providers and the audit trail see it.
    var ip: String?
    var userAgent: String?
    /// The language the client reads.
    var language: Language

    init(requestID: String? = nil, ip: String? = nil, userAgent: String? = nil, language: Language = .fr) {
        self.requestID = requestID
        self.ip = ip
        self.userAgent = userAgent
        self.language = language
    }

    /// The subject of every per-address rate limit: the IPv4 address, or the /64 of an IPv6
    /// address (`IPAddressRange.rateLimitSubject`); one shared bucket when the address is unknown.
    var rateLimitAddress: String { ip.flatMap(IPAddressRange.rateLimitSubject) ?? "unknown" }

    func event(_ action: String, actor: AuditActor = .anonymous, details: AuditDetails = .init()) -> NewAuditEvent {
        NewAuditEvent(action: action, actor: actor, requestID: requestID, ip: ip, details: details)
    }
}
