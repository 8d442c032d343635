import Logging

extension PlanSettings {
    /// The settings as stored: the challenge secret and the proof-of-work key sealed for this plan.
    func sealed(with box: SecretBox, plan slug: String) throws -> PlanSettings {
        var stored = self
        if let secret = challenge?.secret, !box.isCurrent(secret) {
            stored.challenge?.secret = try box.seal(box.open(secret, context: "\(slug)/challenge.secret"), context: "\(slug)/challenge.secret")
        }
        if let key = powKey, !box.isCurrent(key) {
            stored.powKey = try box.seal(box.open(key, context: "\(slug)/powKey"), context: "\(slug)/powKey")
        }
        return stored
    }

    /// The settings in memory: secrets opened. A value that does not open (unknown key) is left
    /// out and logged; the plan then answers 503 `challenge_unavailable` instead of using it.
    func opened(with box: SecretBox, plan slug: String, logger: Logger) -> PlanSettings {
        var plain = self
        if let secret = challenge?.secret {
            do { plain.challenge?.secret = try box.open(secret, context: "\(slug)/challenge.secret") } catch {
                logger.error("plan secret does not open", metadata: ["plan": "\(slug)", "field": "challenge.secret", "error": "\(error)"])
                plain.challenge?.secret = nil
            }
        }
        if let key = powKey {
            do { plain.powKey = try box.open(key, context: "\(slug)/powKey") } catch {
                logger.error("plan secret does not open", metadata: ["plan": "\(slug)", "field": "powKey", "error": "\(error)"])
                plain.powKey = nil
            }
        }
        return plain
    }

    /// True when a secret is stored in plaintext or under another key than the current one.
    func needsSealing(with box: SecretBox) -> Bool {
        [challenge?.secret, powKey].compactMap { $0 }.contains { !box.isCurrent($0) }
    }
}
