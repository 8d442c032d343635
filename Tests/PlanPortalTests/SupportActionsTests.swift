import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import PlanPortal

/// Issue #11 §7: what a plan's staff were missing: a claim's detail and receipts, locking and
/// unlocking an account, logging a member out everywhere; each audited with the member it concerns.
@Suite struct SupportActionsTests {
    /// The plan's audit events of `action`, newest first.
    static func events(_ services: AppServices, _ slug: String, _ action: String) async throws -> [AuditEvent] {
        try await services.audit.list(plan: PlanSlug(slug)!, limit: 200, before: nil).items.filter { $0.action == action }
    }

    static func memberID(_ services: AppServices, _ f: MemberFixture, certificate: String? = nil) async throws -> String {
        let rows = try await services.postgres.query(
            "SELECT id FROM \(unescaped: f.plan.quotedSchema).members WHERE certificate_number = \(certificate ?? f.certificate)"
        )
        return try #require(try await rows.decode(UUID.self).one()).uuidString.lowercased()
    }

    @Test(.tags(.getPlanClaim, .getPlanClaimAttachment)) func theTPASeesAClaimWithItsHistoryAndReceipts() async throws {
        try await TestEnvironment.withApp { client, services, key in
            let f = try await ClaimsFixture.make(client, services, key: key)
            let claim = try await f.submit(client)
            let attachment = try await client.execute(
                uri: "\(f.base)/me/claims/\(claim)/attachments?filename=recu.pdf", method: .post,
                headers: [.authorization: "Bearer \(f.tokenA)", .contentType: "application/pdf"], body: ByteBuffer(bytes: Array("%PDF-1.7 reçu".utf8))
            ) { response in
                #expect(response.status == .created)
                return try #require(try response.object()["id"] as? String)
            }
            try await f.review(client, claim)
            try await client.execute(uri: "\(f.adminBase)/claims/\(claim)", method: .get, headers: .admin(key, json: false)) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.cacheControl] == "no-store")
                let body = try response.object()
                #expect(body["id"] as? String == claim)
                #expect(body["status"] as? String == "in_review")
                #expect(body["certificateNumber"] as? String == f.member.certificate)
                #expect((body["statusHistory"] as? [[String: Any]])?.compactMap { $0["status"] as? String } == ["submitted", "in_review"])
                #expect((body["attachments"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [attachment])
            }
            try await client.execute(uri: "\(f.adminBase)/claims/\(claim)/attachments/\(attachment)", method: .get, headers: .admin(key, json: false)) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/pdf")
                #expect(response.headers[.contentDisposition] == "attachment; filename=\"recu.pdf\"")
                #expect(Array(buffer: response.body) == Array("%PDF-1.7 reçu".utf8))
            }
            // Unknown ids, and a receipt asked for under another claim, are 404s.
            try await client.execute(uri: "\(f.adminBase)/claims/\(UUID())", method: .get, headers: .admin(key, json: false)) { response in
                #expect(response.status == .notFound)
                try #expect(response.problemCode() == "claim_not_found")
            }
            let other = try await f.submit(client, token: f.tokenB)
            try await client.execute(uri: "\(f.adminBase)/claims/\(other)/attachments/\(attachment)", method: .get, headers: .admin(key, json: false)) { response in
                #expect(response.status == .notFound)
                try #expect(response.problemCode() == "attachment_not_found")
            }
            // Each read is audited with the claim and the member it concerns.
            let member = try await Self.memberID(services, f.member)
            let viewed = try await Self.events(services, f.slug, "claim.viewed")
            #expect(viewed.count == 1)
            #expect(viewed.first?.details.memberId == member)
            #expect(viewed.first?.details.outcome == claim)
            let downloaded = try await Self.events(services, f.slug, "claim.attachment_viewed")
            #expect(downloaded.count == 1)
            #expect(downloaded.first?.details.memberId == member)
            #expect(downloaded.first?.actorType == "admin_key")
            // Another plan's admin cannot read it.
            let elsewhere = try await MemberFixture.make(client: client, key: key, terms: false)
            let (_, outsider) = try await services.adminKeys.create(name: "outsider", role: .planAdmin, plans: [elsewhere.plan])
            #expect(try await client.execute(uri: "\(f.adminBase)/claims/\(claim)", method: .get, headers: .admin(outsider, json: false)).status == .notFound)
        }
    }

    @Test(.tags(.lockMember, .unlockMember, .getMember)) func aLockEndsEverySessionAndDeviceTokenAtOnce() async throws {
        try await TestEnvironment.withApp { client, services, key in
            let f = try await MemberFixture.make(client: client, key: key, terms: false)
            try await f.activate(client, services)
            let login = try await f.login(client, acceptTerms: false)
            let access = try #require(try login.object()["accessToken"] as? String)
            let device = try #require(try login.object()["deviceToken"] as? String)
            let me: HTTPFields = [.authorization: "Bearer \(access)"]
            #expect(try await client.execute(uri: "\(f.base)/me", method: .get, headers: me).status == .ok)
            // An endpoint listening for locks: the lock that changes the account queues one event.
            _ = try await WebhookTests.Admin.created(client, key, f.slug, events: ["member.locked"])

            let admin = "/v1/admin/plans/\(f.slug)/members/\(f.certificate.lowercased())"
            try await client.execute(uri: "\(admin)/lock", method: .post, headers: .admin(key, json: false)) { response in
                #expect(response.status == .ok)
                try #expect(response.object()["accountStatus"] as? String == "locked")
            }
            #expect(try await client.execute(uri: "\(f.base)/me", method: .get, headers: me).status == .unauthorized, "the session ended")
            #expect(try await f.count(services, "SELECT count(*)::int FROM $S.device_tokens") == 0, "every device token ended")
            try await f.login(client, acceptTerms: false, deviceToken: device).expectProblem(.forbidden, "account_locked")
            // Locking again is harmless; a locked member gets no reset link.
            #expect(try await client.execute(uri: "\(admin)/lock", method: .post, headers: .admin(key, json: false)).status == .ok)
            try await client.execute(uri: "\(f.base)/password-resets", method: .post, headers: .json(from: f.address), body: .json(["email": f.email])) {
                #expect($0.status == .accepted)
            }
            #expect(try await f.count(services, "SELECT count(*)::int FROM $S.password_resets") == 0)
            let lockEvents = try await services.postgres.query(
                "SELECT count(*)::int, min(body) FROM \(schema: f.plan).webhook_events WHERE type = 'member.locked'"
            ).decode((Int, String?).self).one()
            #expect(lockEvents?.0 == 1, "one member.locked event for one lock that changed the account")
            #expect(lockEvents?.1?.contains("\"reason\":\"support\"") == true)
            #expect(lockEvents?.1?.contains(f.certificate) == true && lockEvents?.1?.contains(f.email) == false)
            #expect(try await WebhookTests.Admin.deliveryCount(services, f.slug) == 1)

            try await client.execute(uri: "\(admin)/unlock", method: .post, headers: .admin(key, json: false)) { response in
                #expect(response.status == .ok)
                try #expect(response.object()["accountStatus"] as? String == "active")
            }
            #expect(try await f.login(client, acceptTerms: false).status == .created)
            #expect(try await client.execute(uri: "\(f.base)/me", method: .get, headers: me).status == .unauthorized, "an unlock does not revive ended sessions")

            // Audited with the member they concern; a support look-up records the member too.
            try await client.execute(uri: admin, method: .get, headers: .admin(key, json: false)) { #expect($0.status == .ok) }
            let member = try await Self.memberID(services, f)
            let locks = try await Self.events(services, f.slug, "member.locked")
            #expect(locks.map(\.details.outcome) == ["unchanged", "changed"])
            #expect(locks.allSatisfy { $0.details.memberId == member && $0.actorType == "admin_key" })
            #expect(try await Self.events(services, f.slug, "member.unlocked").map(\.details.memberId) == [member])
            #expect(try await Self.events(services, f.slug, "member.viewed").map(\.details.memberId) == [member])
        }
    }

    @Test(.tags(.revokeMemberSessions, .lockMember, .unlockMember)) func supportLogsAMemberOutEverywhere() async throws {
        try await TestEnvironment.withApp { client, services, key in
            let f = try await MemberFixture.make(client: client, key: key, terms: false)
            try await f.activate(client, services)
            var tokens: [String] = []
            for _ in 0..<3 { tokens.append(try #require(try await f.login(client, acceptTerms: false).object()["accessToken"] as? String)) }
            let admin = "/v1/admin/plans/\(f.slug)/members/\(f.certificate)"
            try await client.execute(uri: "\(admin)/sessions", method: .delete, headers: .admin(key, json: false)) { response in
                #expect(response.status == .ok)
                let body = try response.object()
                #expect(body["sessionsRevoked"] as? Int == 3)
                #expect(body["deviceTokensRevoked"] as? Int == 3)
            }
            for token in tokens {
                #expect(try await client.execute(uri: "\(f.base)/me", method: .get, headers: [.authorization: "Bearer \(token)"]).status == .unauthorized)
            }
            #expect(try await f.login(client, acceptTerms: false).status == .created, "the account itself stays usable")
            let events = try await Self.events(services, f.slug, "member.sessions_revoked")
            #expect(events.count == 1)
            #expect(events.first?.details.memberId == (try await Self.memberID(services, f)))
            #expect(events.first?.details.outcome == "sessions=3,device_tokens=3")

            // A roster member without an account, and a certificate nobody has, are told apart.
            for path in ["sessions", "lock", "unlock"] {
                let method: HTTPRequest.Method = path == "sessions" ? .delete : .post
                try await client.execute(uri: "/v1/admin/plans/\(f.slug)/members/Z\(f.certificate)/\(path)", method: method, headers: .admin(key, json: false)) {
                    try $0.expectProblem(.notFound, "account_not_found")
                }
                try await client.execute(uri: "/v1/admin/plans/\(f.slug)/members/NOBODY99/\(path)", method: method, headers: .admin(key, json: false)) {
                    try $0.expectProblem(.notFound, "member_not_found")
                }
            }
        }
    }
}
