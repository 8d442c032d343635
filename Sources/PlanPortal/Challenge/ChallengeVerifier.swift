import Foundation
import Logging
import Metrics
import NIOCore
import PostgresNIO

/// Checks the `challengeToken` of a protected step (reCAPTCHA-style hook, RAMU step 6) for every
/// plan: dispatches on the plan's provider. Fails closed: a provider that cannot be reached within
/// `timeout` refuses the request with 503.
public struct ChallengeVerifier: Sendable {
    let client: Database
    /// Siteverify calls go through the outbound policy (the URL can be set by an admin).
    let outbound: OutboundHTTPClient
    let timeout: Duration
    let logger: Logger

    public init(client: Database, outbound: OutboundHTTPClient, timeout: Duration = .seconds(5), logger: Logger) {
        self.client = client
        self.outbound = outbound
        self.timeout = timeout
        self.logger = logger
    }

    /// Throws `challenge_required`, `challenge_failed` or `challenge_unavailable` to refuse.
    public func verify(token: String?, plan: Plan, remoteIP: String?) async throws {
        let settings = plan.challenge
        if settings.provider == .none { return }
        guard let token, !token.isEmpty else {
            count(settings.provider, "missing")
            throw Problem.challengeRequired
        }
        do {
            switch settings.provider {
            case .none: return
            case .pow: try await verifyProofOfWork(token, plan: plan, settings: settings)
            case .recaptcha, .hcaptcha, .turnstile: try await siteverify(token, settings: settings, remoteIP: remoteIP, plan: plan)
            }
            count(settings.provider, "success")
        } catch let problem as Problem {
            count(settings.provider, problem.code == Problem.challengeUnavailable.code ? "unavailable" : "failure")
            throw problem
        }
    }

    func verifyProofOfWork(_ token: String, plan: Plan, settings: ChallengeSettings) async throws {
        guard let key = plan.settings.powKey else {
            logger.error("plan has no proof-of-work key", metadata: ["plan": "\(plan.slug)"])
            throw Problem.challengeUnavailable
        }
        let checked: (challenge: String, expires: Date)
        do {
            checked = try ProofOfWork.check(token: token, key: key, maxNumber: settings.effectivePowMaxNumber)
        } catch {
            logger.info("challenge rejected", metadata: ["plan": "\(plan.slug)", "provider": "pow", "reason": "\(error.rawValue)"])
            throw Problem.challengeFailed
        }
        // The primary key makes redemption atomic across replicas: a second insert finds the row.
        let rows = try await client.query(
            """
            INSERT INTO control.challenge_solutions (plan_slug, challenge, expires_at)
            VALUES (\(plan.slug), \(checked.challenge), \(checked.expires))
            ON CONFLICT DO NOTHING RETURNING 1
            """,
            logger: logger
        )
        guard try await rows.exists else {
            logger.info("challenge rejected", metadata: ["plan": "\(plan.slug)", "provider": "pow", "reason": "replay"])
            throw Problem.challengeFailed
        }
    }

    /// The fields of a siteverify answer PlanPortal checks (same names at the three providers).
    struct SiteverifyAnswer: Decodable {
        var success: Bool
        var score: Double?
        var action: String?
        var hostname: String?
        var errorCodes: [String]?

        enum CodingKeys: String, CodingKey {
            case success, score, action, hostname
            case errorCodes = "error-codes"
        }
    }

    func siteverify(_ token: String, settings: ChallengeSettings, remoteIP: String?, plan: Plan) async throws {
        guard token.utf8.count <= 8192 else { throw Problem.challengeFailed }
        guard let url = settings.effectiveVerifyURL, let secret = settings.secret else {
            logger.error("challenge provider not configured", metadata: ["plan": "\(plan.slug)", "provider": "\(settings.provider.rawValue)"])
            throw Problem.challengeUnavailable
        }
        var fields = [("secret", secret), ("response", token)]
        if let remoteIP { fields.append(("remoteip", remoteIP)) }
        if settings.provider == .hcaptcha, let siteKey = settings.siteKey { fields.append(("sitekey", siteKey)) }
        let answer: SiteverifyAnswer
        do {
            let response = try await outbound.post(
                url,
                headers: [("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "application/json")],
                body: ByteBuffer(string: Self.formEncode(fields)),
                timeout: timeout
            )
            guard response.status == 200 else { throw SiteverifyError.status(response.status) }
            answer = try JSONDecoder().decode(SiteverifyAnswer.self, from: response.body)
        } catch let refused as OutboundHTTPClient.Refused {
            logger.warning("challenge provider refused by the outbound policy", metadata: [
                "plan": "\(plan.slug)", "provider": "\(settings.provider.rawValue)", "host": "\(refused.host)", "reason": "\(refused.reason.rawValue)",
            ])
            throw Problem.challengeUnavailable
        } catch {
            logger.warning("challenge provider unavailable", metadata: [
                "plan": "\(plan.slug)", "provider": "\(settings.provider.rawValue)", "error": "\(SafeError.describe(error))",
            ])
            throw Problem.challengeUnavailable
        }
        func reject(_ reason: String) -> Problem {
            logger.info("challenge rejected", metadata: ["plan": "\(plan.slug)", "provider": "\(settings.provider.rawValue)", "reason": "\(reason)"])
            return Problem.challengeFailed
        }
        guard answer.success else { throw reject((answer.errorCodes ?? []).joined(separator: ",").prefix(100).description) }
        if let expected = settings.hostname, answer.hostname?.lowercased() != expected { throw reject("hostname") }
        if let expected = settings.action, answer.action != expected { throw reject("action") }
        if let minimum = settings.minScore {
            guard let score = answer.score, score >= minimum else { throw reject("score") }
        }
    }

    enum SiteverifyError: Error { case status(Int) }

    /// `application/x-www-form-urlencoded` with every reserved character escaped.
    static func formEncode(_ fields: [(String, String)]) -> String {
        let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        return fields.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }.joined(separator: "&")
    }

    func count(_ provider: ChallengeProvider, _ outcome: String) {
        Counter(label: "planportal_challenge_verifications_total", dimensions: [("provider", provider.rawValue), ("outcome", outcome)]).increment()
    }
}
