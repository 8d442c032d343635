import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOConcurrencyHelpers
import Testing

@testable import PlanPortal

/// Issue #11 §4: the tries of a reset link and of an activation link are taken before the
/// answer is checked, so parallel guesses share five tries; completing them is limited per address.
@Suite struct LinkRaceTests {
    /// Sends `count` requests at once, each from its own address (the per-address limits are not
    /// what these tests are about), and returns their problem codes.
    static func concurrently(_ count: Int, _ send: @escaping @Sendable (String) async throws -> TestResponse) async throws -> [String] {
        try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<count {
                group.addTask {
                    let response = try await send(TestAddress.unique())
                    return try response.problemCode() ?? "\(response.status.code)"
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
    }

    /// The member's account and a fresh reset link's token.
    static func resetLink(_ client: any TestClientProtocol, _ services: AppServices, key: String) async throws -> (MemberFixture, String) {
        let f = try await MemberFixture.make(client: client, key: key, terms: false)
        try await f.activate(client, services)
        try await client.execute(uri: "\(f.base)/password-resets", method: .post, headers: .json(from: f.address), body: .json(["email": f.email])) {
            #expect($0.status == .accepted)
        }
        return (f, try await f.queuedToken(services, kind: "password_reset"))
    }

    /// A matched registration's activation token.
    static func activationLink(_ client: any TestClientProtocol, _ services: AppServices, key: String) async throws -> (MemberFixture, String) {
        let f = try await MemberFixture.make(client: client, key: key, terms: false)
        let id = try await f.register(client)
        try await client.execute(uri: "\(f.base)/registrations/\(id)/identity", method: .post, headers: .json(from: f.address), body: .json(f.identityBody())) {
            #expect($0.status == .accepted)
        }
        return (f, try await f.queuedToken(services))
    }

    @Test(.tags(.completePasswordReset)) func fiftyConcurrentWrongAnswersOnOneResetLinkThenTheRightAnswerRefusedLinkDead() async throws {
        try await TestEnvironment.withApp { client, services, key in
            let (f, token) = try await Self.resetLink(client, services, key: key)
            let uri = "\(f.base)/password-resets/\(token)"
            let codes = try await Self.concurrently(50) { address in
                let wrong: [String: Any] = ["securityAnswer": "Rex", "password": "Hiver#Sud77x", "passwordConfirmation": "Hiver#Sud77x"]
                return try await client.execute(uri: uri, method: .post, headers: .json(from: address), body: .json(wrong))
            }
            let mismatches = codes.filter { $0 == "security_answer_mismatch" }.count
            #expect(mismatches == 5, "five tries between them: \(codes)")
            #expect(codes.filter { $0 == "reset_expired" }.count == 45)
            #expect(try await f.count(services, "SELECT count(*)::int FROM $S.audit_events WHERE action = 'password_reset.answer_mismatch'") == 5)

            let right: [String: Any] = ["securityAnswer": "Minou Blanc", "password": "Hiver#Sud77x", "passwordConfirmation": "Hiver#Sud77x"]
            try await client.execute(uri: uri, method: .post, headers: .json(from: f.address), body: .json(right)) { response in
                #expect(response.status == .gone)
                try #expect(response.problemCode() == "reset_expired", "the link is dead, even for the right answer")
            }
            try await client.execute(uri: uri, method: .get) { #expect($0.status == .gone) }
            #expect(try await f.count(services, "SELECT count(*)::int FROM $S.password_resets WHERE failed_attempts = 5 AND used_at IS NULL") == 1)
            #expect(try await f.login(client, acceptTerms: false).status == .created, "the password did not change")
        }
    }

    /// A right answer gives its try back: four wrong answers, then the right one, succeeds and
    /// leaves the link with four failures.
    @Test(.tags(.completePasswordReset)) func aRightAnswerGivesItsTryBack() async throws {
        try await TestEnvironment.withApp { client, services, key in
            let (f, token) = try await Self.resetLink(client, services, key: key)
            for _ in 0..<4 {
                let wrong: [String: Any] = ["securityAnswer": "Rex", "password": "Hiver#Sud77x", "passwordConfirmation": "Hiver#Sud77x"]
                #expect(try await client.execute(uri: "\(f.base)/password-resets/\(token)", method: .post, headers: .json(from: f.address), body: .json(wrong)).status == .unprocessableContent)
            }
            let right: [String: Any] = ["securityAnswer": "minou blanc", "password": "Hiver#Sud77x", "passwordConfirmation": "Hiver#Sud77x"]
            #expect(try await client.execute(uri: "\(f.base)/password-resets/\(token)", method: .post, headers: .json(from: f.address), body: .json(right)).status == .noContent)
            #expect(try await f.count(services, "SELECT failed_attempts FROM $S.password_resets WHERE used_at IS NOT NULL") == 4)
        }
    }

    @Test(.tags(.activateAccount)) func concurrentIdentityGuessesOnOneActivationLinkShareFiveTries() async throws {
        try await TestEnvironment.withApp { client, services, key in
            let (f, token) = try await Self.activationLink(client, services, key: key)
            let uri = "\(f.base)/activations/\(token)"
            let codes = try await Self.concurrently(30) { address in
                try await client.execute(uri: uri, method: .post, headers: .json(from: address), body: .json(f.activationBody(dateOfBirth: "1999-12-31")))
            }
            #expect(codes.filter { $0 == "identity_mismatch" }.count == 5, "\(codes)")
            #expect(codes.filter { $0 == "activation_expired" }.count == 25)
            try await client.execute(uri: uri, method: .post, headers: .json(from: f.address), body: .json(f.activationBody())) { response in
                #expect(response.status == .gone)
                try #expect(response.problemCode() == "activation_expired")
            }
            #expect(try await f.count(services, "SELECT count(*)::int FROM $S.accounts") == 0)
        }
    }

    /// A match gives its try back: the account is created from a link with four mismatches.
    @Test(.tags(.activateAccount)) func anIdentityMatchGivesItsTryBack() async throws {
        try await TestEnvironment.withApp { client, services, key in
            let (f, token) = try await Self.activationLink(client, services, key: key)
            for _ in 0..<4 {
                #expect(try await client.execute(uri: "\(f.base)/activations/\(token)", method: .post, headers: .json(from: f.address),
                                                 body: .json(f.activationBody(dateOfBirth: "1999-12-31"))).status == .unprocessableContent)
            }
            #expect(try await client.execute(uri: "\(f.base)/activations/\(token)", method: .post, headers: .json(from: f.address), body: .json(f.activationBody())).status == .created)
            #expect(try await f.count(services, "SELECT failed_attempts FROM $S.activation_tokens WHERE used_at IS NOT NULL") == 4)
        }
    }

    @Test(.tags(.completePasswordReset, .activateAccount, .updatePlan)) func completingResetsAndActivationsIsLimitedPerAddress() async throws {
        try await TestEnvironment.withApp { client, _, key in
            let f = try await MemberFixture.make(client: client, key: key, terms: false)
            try await client.execute(uri: "/v1/admin/plans/\(f.slug)", method: .patch, headers: .admin(key), body: .json(["rateLimits": [
                "resetCompletionIp": ["limit": 2, "windowSeconds": 300], "activationIp": ["limit": 2, "windowSeconds": 300],
            ]])) { #expect($0.status == .ok) }
            let address = TestAddress.unique()
            let completion: [String: Any] = ["securityAnswer": "Rex", "password": "Hiver#Sud77x", "passwordConfirmation": "Hiver#Sud77x"]
            var resets: [Int] = []
            for _ in 0..<3 {
                let token = SecretToken.generate()
                resets.append(try await client.execute(uri: "\(f.base)/password-resets/\(token)", method: .post, headers: .json(from: address), body: .json(completion)).status.code)
            }
            #expect(resets == [404, 404, 429], "the limit is checked before the link is looked up")
            var activations: [Int] = []
            for _ in 0..<3 {
                let token = SecretToken.generate()
                activations.append(try await client.execute(uri: "\(f.base)/activations/\(token)", method: .post, headers: .json(from: address), body: .json(f.activationBody())).status.code)
            }
            #expect(activations == [404, 404, 429])
            // Another address is not held back.
            #expect(try await client.execute(uri: "\(f.base)/password-resets/\(SecretToken.generate())", method: .post,
                                             headers: .json(from: TestAddress.unique()), body: .json(completion)).status == .notFound)
        }
    }
}
