import Foundation
import Logging
import PostgresNIO

/// Seals every stored plan secret that is in plaintext or under an older key with the current
/// `SECRETS_KEY`: run by `planportal secrets rotate` and by `serve` before it accepts requests.
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
        if !changed.isEmpty { logger.notice("plan secrets sealed with the current key", metadata: ["plans": "\(changed.count)", "key_id": "\(secrets.current.id)"]) }
        return changed
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
