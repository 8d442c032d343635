import Foundation
import Logging
import PostgresNIO

/// Seals every stored plan secret (challenge secret, proof-of-work key, webhook signing secrets)
/// that is in plaintext or under an older key with the current `SECRETS_KEY`: run by
/// `planportal secrets rotate` and by `serve` before it accepts requests.
public struct SecretRotation: Sendable {
    let client: Database
    let secrets: SecretBox
    let logger: Logger

    public init(client: Database, secrets: SecretBox, logger: Logger) {
        self.client = client
        self.secrets = secrets
        self.logger = logger
    }

    /// Returns the slugs of the plans whose secrets were re-sealed (every plan, or only `plans`).
    @discardableResult
    public func resealAll(plans: [String]? = nil) async throws -> [String] {
        var candidates: [String] = []
        let rows = try await client.query(
            "SELECT slug, settings::text FROM control.plans WHERE \(plans == nil) OR slug = ANY(\(plans ?? [])) ORDER BY slug", logger: logger
        )
        for try await (slug, raw) in rows.decode((String, String).self) where Self.settings(raw).needsSealing(with: secrets) {
            candidates.append(slug)
        }
        var changed: [String] = []
        for slug in candidates {
            do {
                if try await reseal(slug) { changed.append(slug) }
            } catch {
                // One plan whose values need a key this process lacks does not stop the others.
                guard let failure = (error as? SecretBox.Failure) ?? ((error as? PostgresTransactionError)?.closureError as? SecretBox.Failure)
                else { throw error }
                logger.error("plan secrets left as they are", metadata: ["plan": "\(slug)", "error": "\(failure)"])
            }
        }
        for slug in try await resealWebhookSecrets(plans: plans) where !changed.contains(slug) { changed.append(slug) }
        if !changed.isEmpty { logger.notice("plan secrets sealed with the current key", metadata: ["plans": "\(changed.count)", "key_id": "\(secrets.current.id)"]) }
        return changed
    }

    /// Re-seals webhook signing secrets (current and previous) not sealed with the current key;
    /// returns the plans whose endpoints changed.
    func resealWebhookSecrets(plans: [String]?) async throws -> [String] {
        let current = "\(SecretBox.prefix)\(secrets.current.id):"
        let rows = try await client.query(
            """
            SELECT id, plan_slug FROM control.webhook_endpoints
            WHERE (\(plans == nil) OR plan_slug = ANY(\(plans ?? [])))
              AND (NOT starts_with(secret, \(current)) OR NOT starts_with(coalesce(previous_secret, \(current)), \(current)))
            ORDER BY plan_slug, id
            """,
            logger: logger
        )
        var candidates: [(UUID, String)] = []
        for try await row in rows.decode((UUID, String).self) { candidates.append(row) }
        var changed: [String] = []
        for (id, slug) in candidates {
            do {
                if try await resealWebhook(id, plan: slug), !changed.contains(slug) { changed.append(slug) }
            } catch {
                guard let failure = (error as? SecretBox.Failure) ?? ((error as? PostgresTransactionError)?.closureError as? SecretBox.Failure)
                else { throw error }
                logger.error("webhook secret left as it is", metadata: ["plan": "\(slug)", "webhook": "\(id)", "error": "\(failure)"])
            }
        }
        return changed
    }

    /// Re-seals one endpoint's secrets under its row lock; false when another process did it first.
    func resealWebhook(_ id: UUID, plan slug: String) async throws -> Bool {
        try await client.transaction(logger: logger) { tx -> Bool in
            let rows = try await tx.query(
                "SELECT secret, previous_secret FROM control.webhook_endpoints WHERE id = \(id) FOR UPDATE", logger: logger
            )
            guard let (secret, previous) = try await rows.decode((String, String?).self).one(),
                  !secrets.isCurrent(secret) || previous.map({ !secrets.isCurrent($0) }) == true
            else { return false }
            let context = WebhookRepository.secretContext(plan: slug, endpoint: id)
            let reseal = { (value: String) throws -> String in
                self.secrets.isCurrent(value) ? value : try self.secrets.seal(self.secrets.open(value, context: context), context: context)
            }
            let (current, earlier) = (try reseal(secret), try previous.map(reseal))
            try await tx.query(
                "UPDATE control.webhook_endpoints SET secret = \(current), previous_secret = \(earlier) WHERE id = \(id)", logger: logger
            )
            return true
        }
    }

    /// Re-seals one plan's secrets under its row lock; false when another process did it first.
    func reseal(_ slug: String) async throws -> Bool {
        try await client.transaction(logger: logger) { tx -> Bool in
            var raw: String?
            for try await value in try await tx.query("SELECT settings::text FROM control.plans WHERE slug = \(slug) FOR UPDATE", logger: logger)
                .decode(String.self) { raw = value }
            guard let raw, case let settings = Self.settings(raw), settings.needsSealing(with: secrets) else { return false }
            let sealed = try settings.sealed(with: secrets, plan: slug)
            var patch: [String: Any] = [:]
            if let key = sealed.powKey { patch["powKey"] = key }
            let json = String(decoding: try JSONSerialization.data(withJSONObject: patch), as: UTF8.self)
            let challenge = try sealed.challenge.map { String(decoding: try JSONEncoder().encode($0), as: UTF8.self) }
            try await tx.query(
                """
                UPDATE control.plans SET settings = settings || \(json)::jsonb
                    || CASE WHEN \(challenge)::jsonb IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('challenge', \(challenge)::jsonb) END
                WHERE slug = \(slug)
                """,
                logger: logger
            )
            for try await _ in try await tx.query("SELECT pg_notify(\(PlanCache.channel), \(slug))", logger: logger) {}
            return true
        }
    }

    static func settings(_ raw: String) -> PlanSettings {
        (try? JSONDecoder().decode(PlanSettings.self, from: Data(raw.utf8))) ?? PlanSettings()
    }
}
