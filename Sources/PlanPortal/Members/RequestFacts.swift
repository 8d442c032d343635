/// What the audit trail records about a member request: never the body.
public struct RequestFacts: Sendable {
    public var requestID: String?
    public var ip: String?
    public var userAgent: String?

    public init(requestID: String? = nil, ip: String? = nil, userAgent: String? = nil) {
        self.requestID = requestID
        self.ip = ip
        self.userAgent = userAgent
    }

    func event(_ action: String, actor: AuditActor = .anonymous, details: AuditDetails = .init()) -> NewAuditEvent {
        NewAuditEvent(action: action, actor: actor, requestID: requestID, ip: ip, details: details)
    }
}
