import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PostgresNIO
import Testing

@testable import PlanPortal

/// Per-plan member settings set through PATCH and honoured by the member journey.
@Suite struct PlanSettingsTests {
    @Test(.tags(.updatePlan, .getPasswordPolicy, .listSecurityQuestions, .createSession)) func policyQuestionsAndArgon2CostAreConfigurable() async throws {
        try await TestEnvironment.withApp { client, services, key in
            let f = try await MemberFixture.make(client: client, key: key, terms: false)
            try await f.activate(client, services)
            let patch: [String: Any] = [
                "passwordPolicy": ["minLength": 12],
                "argon2": ["memoryKiB": 8192, "iterations": 3],
                "securityQuestions": [
                    ["id": "q-one", "textFr": "Q1 fr", "textEn": "Q1 en"],
                    ["id": "q-two", "textFr": "Q2 fr", "textEn": "Q2 en"],
                    ["id": "q-three", "textFr": "Q3 fr", "textEn": "Q3 en"],
                ],
                "sessionIdleMinutes": 15,
            ]
            try await client.execute(uri: "/v1/admin/plans/\(f.slug)", method: .patch, headers: .admin(key), body: .json(patch)) { response in
                #expect(response.status == .ok)
                let plan = try response.object()
                #expect((plan["passwordPolicy"] as? [String: Any])?["minLength"] as? Int == 12)
                #expect((plan["passwordPolicy"] as? [String: Any])?["requireSpecial"] as? Bool == true, "unnamed rules keep their value")
                #expect((plan["argon2"] as? [String: Any])?["memoryKiB"] as? Int == 8192)
                #expect((plan["argon2"] as? [String: Any])?["parallelism"] as? Int == 1)
                #expect(plan["sessionIdleMinutes"] as? Int == 15)
                #expect(plan["sessionAbsoluteHours"] as? Int == 12)
            }
            try await client.execute(uri: "\(f.base)/password-policy", method: .get) { response in
                try #expect(response.object()["minLength"] as? Int == 12)
            }
            try await client.execute(uri: "\(f.base)/security-questions", method: .get, headers: [.acceptLanguage: "en"]) { response in
                let items = try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [[String: Any]])
                #expect(items.compactMap { $0["id"] as? String } == ["q-one", "q-two", "q-three"])
                #expect(items.first?["text"] as? String == "Q1 en")
            }
            // Logging in rehashes the password with the plan's new cost.
            try #expect(await f.login(client, acceptTerms: false).status == .created)
            let rows = try await services.postgres.query("SELECT password_hash FROM \(schema: f.plan).accounts")
            for try await phc in rows.decode(String.self) {
                #expect(Argon2Parameters(phc: phc) == Argon2Parameters(memoryKiB: 8192, iterations: 3, parallelism: 1))
            }
            try #expect(await f.login(client, acceptTerms: false).status == .created, "the new hash verifies")

            let bad: [String: Any] = [
                "passwordPolicy": ["minLength": 6], "argon2": ["memoryKiB": 64], "sessionAbsoluteHours": 0,
                "securityQuestions": [["id": "Bad Id", "textFr": "", "textEn": "x"]],
            ]
            try await client.execute(uri: "/v1/admin/plans/\(f.slug)", method: .patch, headers: .admin(key), body: .json(bad)) { response in
                #expect(response.status == .unprocessableContent)
                let fields = Set(try #require(try response.object()["errors"] as? [[String: Any]]).compactMap { $0["field"] as? String })
                #expect(fields.isSuperset(of: ["passwordPolicy.minLength", "argon2.memoryKiB", "sessionAbsoluteHours", "securityQuestions", "securityQuestions[0].id", "securityQuestions[0].textFr"]))
            }
            try await client.execute(uri: "/v1/admin/plans/\(f.slug)", method: .patch, headers: .admin(key), body: .json(["passwordPolicy": ["colour": 1]])) { response in
                #expect(response.status == .unprocessableContent)
            }
            try await client.execute(uri: "\(f.base)/password-policy", method: .get) { response in
                try #expect(response.object()["minLength"] as? Int == 12, "a rejected patch changed nothing")
            }
        }
    }
}
