import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import PlanPortal

/// Issue #11 §6: what the identity step and password-reset requests could tell about accounts.
@Suite struct EnumerationTests {
    /// Whoever knows a member's identity and registers with their own address learns nothing from
    /// their inbox: the "already registered" notice goes to the account's own address.
    @Test(.tags(.submitIdentity)) func alreadyRegisteredNoticeGoesToTheAccountsOwnAddress() async throws {
        try await TestEnvironment.withApp { client, services, key in
            let f = try await MemberFixture.make(client: client, key: key)
            try await f.activate(client, services)
            let stranger = "quelquun.\(f.slug.suffix(6))@\(MemberFixture.domain)"
            let id = try await f.register(client, email: stranger)
            try await client.execute(uri: "\(f.base)/registrations/\(id)/identity", method: .post, headers: .json(from: f.address), body: .json(f.identityBody())) {
                #expect($0.status == .accepted)
            }
            let rows = try await services.postgres.query(
                "SELECT to_address FROM control.outbox WHERE plan_slug = \(f.slug) AND kind = 'already_registered'"
            )
            var recipients: [String?] = []
            for try await address in rows.decode(String?.self) { recipients.append(address) }
            #expect(recipients == [f.email], "to the account, never to \(stranger)")
            #expect(try await f.count(services, "SELECT count(*)::int FROM control.outbox WHERE plan_slug = '\(f.slug)' AND to_address = '\(stranger)'") == 0)
        }
    }

    /// Every answer to a reset request takes the fixed minimum, with or without an account (the
    /// medians are compared by `PasswordResetTimingTests`, which runs on its own).
    @Test(.tags(.requestPasswordReset)) func resetRequestsTakeAtLeastTheFixedMinimum() async throws {
        try await TestEnvironment.withApp { client, services, key in
            let f = try await MemberFixture.make(client: client, key: key, terms: false)
            try await f.activate(client, services)
            for email in [f.email, "personne.\(f.slug.suffix(6))@\(MemberFixture.domain)"] {
                let started = ContinuousClock.now
                try await client.execute(uri: "\(f.base)/password-resets", method: .post, headers: .json(from: TestAddress.unique()), body: .json(["email": email])) {
                    #expect($0.status == .accepted)
                }
                #expect(ContinuousClock.now - started >= PasswordResetOperations.minimumRequestDuration)
            }
        }
    }
}
