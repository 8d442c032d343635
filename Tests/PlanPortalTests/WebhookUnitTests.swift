import Foundation
import Testing

@testable import PlanPortal

/// Issue #14: the parts of webhooks that need no database.
@Suite struct WebhookUnitTests {
    /// The test vector of the Standard Webhooks specification (checked apart with Python's hmac).
    @Test func signsLikeTheStandardWebhooksSpecification() throws {
        let signature = try WebhookSignature.sign(
            secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_330,
            body: Array(#"{"test": 2432232314}"#.utf8)
        )
        #expect(signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        let headers = try WebhookSignature.headers(id: "m", timestamp: 1, body: [UInt8](), secrets: [WebhookSignature.newSecret(), WebhookSignature.newSecret()])
        #expect(headers.map(\.0) == ["webhook-id", "webhook-timestamp", "webhook-signature"])
        #expect(headers[2].1.split(separator: " ").count == 2 && headers[2].1.split(separator: " ").allSatisfy { $0.hasPrefix("v1,") })
        #expect(throws: SecretBox.Failure.self) { try WebhookSignature.sign(secret: "not-a-secret", id: "m", timestamp: 1, body: [UInt8]()) }
        let secret = WebhookSignature.newSecret()
        #expect(Data(base64Encoded: String(secret.dropFirst("whsec_".count)))?.count == 32)
        #expect(secret != WebhookSignature.newSecret())
    }

    /// 5 s, 30 s, 2 min, 10 min, 1 h, then every 4 hours; a delivery lives 3 days.
    @Test func retriesOnTheDocumentedScheduleForThreeDays() {
        #expect((1...8).map(WebhookOutbox.retryDelay(afterAttempt:)) == [5, 30, 120, 600, 3600, 14_400, 14_400, 14_400])
        var elapsed = 0
        var attempts = 1
        while elapsed + WebhookOutbox.retryDelay(afterAttempt: attempts) <= 3 * 24 * 3600 {
            elapsed += WebhookOutbox.retryDelay(afterAttempt: attempts)
            attempts += 1
        }
        #expect(attempts == 23, "attempts in 3 days when every one fails at once")
        #expect(WebhookOutbox.lifetime == .seconds(3 * 24 * 3600))
    }

    /// The envelope and each event's data: only what the constructors put there.
    @Test func eventsCarryTheirEnvelopeAndNothingPersonalButTheCertificateNumber() throws {
        let plan = try PlanSlug.parse("ramu-udem")
        let id = UUID()
        let decided = WebhookEvent.dependantRequestDecided(
            requestID: id, certificateNumber: "100200", relationship: "child", late: true, outcome: "approved", dependantID: "D1"
        )
        let body = try #require(try JSONSerialization.jsonObject(with: Data(decided.body(plan: plan).utf8)) as? [String: Any])
        #expect(Set(body.keys) == ["id", "type", "plan", "occurredAt", "data"])
        #expect(body["id"] as? String == decided.id.uuidString.lowercased() && body["type"] as? String == "dependant_request.decided")
        #expect(body["plan"] as? String == "ramu-udem")
        #expect(body["data"] as? NSDictionary == [
            "requestId": id.uuidString.lowercased(), "certificateNumber": "100200", "relationship": "child", "late": true,
            "outcome": "approved", "dependantId": "D1",
        ] as NSDictionary)
        let submitted = WebhookEvent.dependantRequestSubmitted(requestID: id, certificateNumber: "100200", relationship: "spouse", late: false)
        let data = try #require((try JSONSerialization.jsonObject(with: Data(submitted.body(plan: plan).utf8)) as? [String: Any])?["data"] as? [String: Any])
        #expect(Set(data.keys) == ["requestId", "certificateNumber", "relationship", "late"])
        let locked = try #require((try JSONSerialization.jsonObject(with: Data(WebhookEvent.memberLocked(certificateNumber: "100200", reason: "admin").body(plan: plan).utf8)) as? [String: Any])?["data"] as? NSDictionary)
        #expect(locked == ["certificateNumber": "100200", "reason": "admin"] as NSDictionary)
        #expect(Set(WebhookEventType.allCases.map(\.rawValue)) == [
            "member.activated", "member.locked", "claim.submitted", "claim.status_changed", "dependant_request.submitted",
            "dependant_request.decided", "roster.imported",
        ])
        #expect(WebhookEvent.memberActivated(certificateNumber: "1").id != WebhookEvent.memberActivated(certificateNumber: "1").id)
    }

    /// The contract lists the same event types as the code.
    @Test func theContractListsEveryEventType() throws {
        let yaml = try String(contentsOf: repositoryRoot.appendingPathComponent("openapi.yaml"), encoding: .utf8)
        let section = try #require(yaml.components(separatedBy: "    WebhookEventType:\n").dropFirst().first?.components(separatedBy: "\n\n").first)
        let listed = section.split(separator: "\n").filter { $0.hasPrefix("        - ") }.map { $0.dropFirst(10) }.map(String.init)
        #expect(listed == WebhookEventType.allCases.map(\.rawValue))
    }
}
