import Foundation

/// A plan's webhook endpoint as the admin API shows it (never its secret).
public struct Webhook: Codable, Sendable, Equatable {
    @LowercaseUUID public var id: UUID
    public var url: String
    @Nullable public var description: String?
    public var events: [WebhookEventType]
    public var enabled: Bool
    public var createdAt: Date
    public var updatedAt: Date
    /// Until then the secret before the last rotation also signs; null when none does.
    @Nullable public var previousSecretExpiresAt: Date?
}

/// The answer to `createWebhook`: the endpoint and its secret, shown this once.
public struct WebhookCreated: Encodable, Sendable {
    public var webhook: Webhook
    public var secret: String

    enum CodingKeys: String, CodingKey { case secret }

    /// The contract's `allOf`: the endpoint's fields and `secret` in one object.
    public func encode(to encoder: any Encoder) throws {
        try webhook.encode(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(secret, forKey: .secret)
    }
}

/// The answer to `rotateWebhookSecret`: the new secret, shown this once.
public struct WebhookSecretRotated: Encodable, Sendable {
    public var secret: String
    /// The secret before this rotation signs too until then.
    public var previousSecretExpiresAt: Date
}

/// Body of `GET /v1/admin/plans/{plan}/webhooks`.
public struct WebhookList: Encodable, Sendable {
    public var items: [Webhook]
}

/// The state of a delivery: `pending` (not tried yet), `retrying` (failed, tried again later),
/// `succeeded` (a 2xx answer) or `dead` (3 days without success, or its endpoint was disabled).
public enum WebhookDeliveryStatus: String, Codable, Sendable, CaseIterable {
    case pending, retrying, succeeded, dead
}

/// One event for one endpoint, as `listWebhookDeliveries` shows it.
public struct WebhookDelivery: Encodable, Sendable, Equatable {
    @LowercaseUUID public var id: UUID
    /// The event's id: the `webhook-id` header of every attempt and replay.
    @LowercaseUUID public var eventId: UUID
    public var eventType: WebhookEventType
    public var status: WebhookDeliveryStatus
    public var attempts: Int
    public var createdAt: Date
    /// When the next attempt is due; null once succeeded or dead.
    @Nullable public var nextAttemptAt: Date?
    @Nullable public var lastAttemptAt: Date?
    /// HTTP status of the last answer; null when there was none (timeout, connection refused).
    @Nullable public var lastResponseCode: Int?
    /// Why the last attempt failed (`http_500`, `timeout`, `connect`, `refused: forbidden_address`…).
    @Nullable public var lastError: String?
    /// The delivery this one replays.
    @Nullable public var replayOf: String?
}

/// One page of deliveries, newest first.
public struct WebhookDeliveryPage: Encodable, Sendable {
    public var items: [WebhookDelivery]
    @Nullable public var nextCursor: String?
}

// MARK: Inputs

/// Body of `createWebhook`.
public struct WebhookCreate: Decodable, Sendable {
    public var url: String
    public var events: [String]
    public var description: String?
    @NonNull public var enabled: Bool?

    /// The endpoint to store, or 422: `webhook_url_forbidden` for a URL the outbound policy
    /// refuses, `validation_failed` for the other fields.
    func validated(policy: OutboundPolicy) throws -> (url: String, events: [WebhookEventType], description: String?, enabled: Bool) {
        let events = try WebhookInputRules.events(events)
        try WebhookInputRules.description(description)
        return (try WebhookInputRules.url(url, policy: policy), events, description, enabled ?? true)
    }
}

/// Body of `updateWebhook` (JSON merge patch): absent fields are left alone, `description: null` clears it.
public struct WebhookPatch: Decodable, Sendable {
    @NonNull public var url: String?
    @NonNull public var events: [String]?
    public var description: PatchField<String> = .absent
    @NonNull public var enabled: Bool?

    /// Names of the fields this patch sets, for the audit trail.
    var fieldNames: [String] {
        [url.map { _ in "url" }, events.map { _ in "events" }, description.isPresent ? "description" : nil, enabled.map { _ in "enabled" }]
            .compactMap { $0 }
    }

    /// The checked changes, or 422 like `WebhookCreate`.
    func validated(policy: OutboundPolicy) throws -> Changes {
        var changes = Changes(description: description)
        changes.events = try events.map(WebhookInputRules.events)
        if case .value(let text) = description { try WebhookInputRules.description(text) }
        changes.url = try url.map { try WebhookInputRules.url($0, policy: policy) }
        changes.enabled = enabled
        return changes
    }

    struct Changes: Sendable {
        var url: String?
        var events: [WebhookEventType]?
        var description: PatchField<String>
        var enabled: Bool?
    }
}

/// The rules of endpoint fields shared by create and patch.
enum WebhookInputRules {
    static let maxDescription = 500

    /// One or more known event types, each once.
    static func events(_ names: [String]) throws -> [WebhookEventType] {
        var errors: [LocalizedFieldError] = []
        var types: [WebhookEventType] = []
        if names.isEmpty {
            errors.append(.init(field: "events", rule: "min_items", message: .init(fr: "Au moins un type d'événement.", en: "At least one event type.")))
        }
        for (index, name) in names.enumerated() {
            guard let type = WebhookEventType(rawValue: name) else {
                errors.append(.init(field: "events[\(index)]", rule: "enum", message: .init(fr: "Type d'événement inconnu.", en: "Unknown event type.")))
                continue
            }
            if types.contains(type) {
                errors.append(.init(field: "events[\(index)]", rule: "unique", message: .init(fr: "Type en double.", en: "Duplicate type.")))
            }
            types.append(type)
        }
        guard errors.isEmpty else { throw Problem.validation(errors) }
        return types
    }

    static func description(_ text: String?) throws {
        guard let text, text.count > maxDescription || text.hasNUL else { return }
        throw Problem.validation([.init(
            field: "description", rule: "max_length", message: .init(fr: "Au plus 500 caractères.", en: "At most 500 characters.")
        )])
    }

    /// The URL as given when the outbound policy accepts it (its name is resolved and checked
    /// again at every delivery), else 422 `webhook_url_forbidden`.
    static func url(_ url: String, policy: OutboundPolicy) throws -> String {
        do { _ = try policy.check(url: url) } catch { throw Problem.webhookUrlForbidden(rule: error.rawValue) }
        guard !url.hasNUL else { throw Problem.webhookUrlForbidden(rule: OutboundPolicy.Refusal.malformed.rawValue) }
        return url
    }
}
