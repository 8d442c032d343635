import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOConcurrencyHelpers
import NIOCore
import PostgresNIO
import Testing

@testable import PlanPortal

/// Issue #11 §3: receipts a member can push: ten per claim, 50 MiB per account a day, and upload
/// bodies held in memory within a process-wide budget.
@Suite struct ReceiptLimitsTests {
    static let pdf = ByteBuffer(bytes: Array("%PDF-1.7 receipt".utf8))

    static func upload(_ client: any TestClientProtocol, _ f: ClaimsFixture, claim: String) async throws -> TestResponse {
        try await client.execute(
            uri: "\(f.base)/me/claims/\(claim)/attachments", method: .post,
            headers: [.authorization: "Bearer \(f.tokenA)", .contentType: "application/pdf"], body: pdf
        )
    }

    /// Member A of a claims fixture as the operations see them (plan, session), with a new claim.
    static func memberWithClaim(
        _ client: any TestClientProtocol, _ services: AppServices, key: String
    ) async throws -> (ClaimsFixture, Plan, MemberSession, UUID) {
        let f = try await ClaimsFixture.make(client, services, key: key)
        let claim = try #require(UUID(uuidString: try await f.submit(client)))
        let plan = try #require(try await services.plans.find(f.member.plan))
        let account = try await services.postgres.query("SELECT id FROM \(unescaped: f.member.plan.quotedSchema).accounts WHERE email = \(f.member.email)")
            .decode(UUID.self).one()
        return (f, plan, MemberSession(accountID: try #require(account), token: f.tokenA), claim)
    }

    @Test(.tags(.addClaimAttachment)) func aClaimTakesAtMostTenReceiptsEvenInParallel() async throws {
        try await TestEnvironment.withApp { client, services, key in
            let f = try await ClaimsFixture.make(client, services, key: key)
            let claim = try await f.submit(client)
            let codes = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<12 {
                    group.addTask {
                        let response = try await Self.upload(client, f, claim: claim)
                        return response.status == .created ? "created" : (try response.problemCode() ?? "\(response.status.code)")
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(codes.filter { $0 == "created" }.count == 10, "\(codes)")
            #expect(codes.filter { $0 == "attachment_limit_reached" }.count == 2, "\(codes)")
            try await Self.upload(client, f, claim: claim).expectProblem(.unprocessableContent, "attachment_limit_reached")
            #expect(try await f.member.count(services, "SELECT count(*)::int FROM $S.claim_attachments WHERE claim_id = '\(claim)'") == 10)
            // Another claim of the same member has its own ten.
            #expect(try await Self.upload(client, f, claim: try await f.submit(client)).status == .created)
        }
    }

    @Test(.tags(.addClaimAttachment)) func anAccountUploadsAtMostFiftyMiBIn24Hours() async throws {
        try await TestEnvironment.withApp { client, services, key in
            let f = try await ClaimsFixture.make(client, services, key: key)
            let claim = try await f.submit(client)
            // Five full receipts already sent today, the oldest 23 hours ago (sizes recorded; the
            // bytes themselves do not matter to the quota).
            try await services.postgres.query(PostgresQueryText.insertReceipts(schema: f.member.plan.quotedSchema, claim: claim, ageHours: [23, 20, 10, 5, 1]))
            try await Self.upload(client, f, claim: claim).expectProblem(.tooManyRequests, "upload_quota_exceeded") { response in
                let retry = try #require(response.headers[.retryAfter].flatMap(Int.init))
                #expect((3500...3600).contains(retry), "until the receipt of 23 hours ago is a day old: \(retry)")
            }
            // Member B's quota is their own.
            let claimB = try await f.submit(client, token: f.tokenB)
            #expect(try await client.execute(
                uri: "\(f.base)/me/claims/\(claimB)/attachments", method: .post,
                headers: [.authorization: "Bearer \(f.tokenB)", .contentType: "application/pdf"], body: Self.pdf
            ).status == .created)
            // Once the oldest is more than a day old there is room again.
            try await services.postgres.query(PostgresQueryText.age(schema: f.member.plan.quotedSchema, claim: claim, fromHours: 23, toHours: 25))
            #expect(try await Self.upload(client, f, claim: claim).status == .created)
        }
    }

    /// Concurrent uploads wait for room in the budget before their bodies are read: never more
    /// than the budget is held at once; past the wait, 503 `service_busy`.
    @Test(.tags(.addClaimAttachment)) func uploadBodiesAreReadWithinAProcessWideBudget() async throws {
        try await TestEnvironment.withApp { client, services, key in
            let (_, plan, session, claim) = try await Self.memberWithClaim(client, services, key: key)
            let mib = 1024 * 1024
            let budget = UploadBudget(capacityBytes: 2 * mib)
            let operations = MemberClaimOperations(claims: services.claims, uploads: budget)
            let reading = NIOLockedValueBox((now: 0, most: 0))
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<6 {
                    group.addTask {
                        _ = try await operations.addClaimAttachment(
                            plan: plan, session: session, claimID: claim, filename: nil, declaredLength: mib, facts: RequestFacts()
                        ) { limit in
                            #expect(limit == mib)
                            reading.withLockedValue { $0.now += 1; $0.most = max($0.most, $0.now) }
                            // A reader stays until a second one is reading beside it (or 2 s
                            // pass): the budget, not the database's pace, decides the overlap.
                            let arrived = ContinuousClock.now
                            while reading.withLockedValue({ $0.now }) < 2, ContinuousClock.now - arrived < .seconds(2) {
                                try await Task.sleep(for: .milliseconds(10))
                            }
                            try await Task.sleep(for: .milliseconds(20))
                            reading.withLockedValue { $0.now -= 1 }
                            return Self.pdf
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(reading.withLockedValue { $0.most } == 2, "two 1 MiB bodies at a time in a 2 MiB budget")
            #expect(budget.peakBytes == 2 * mib)

            // One that cannot get room in time is refused, and its body is never read.
            let tight = UploadBudget(capacityBytes: mib, maxWait: .milliseconds(200))
            let held = MemberClaimOperations(claims: services.claims, uploads: tight)
            let release = AsyncStream<Void>.makeStream()
            async let holder: ClaimAttachmentInfo = held.addClaimAttachment(
                plan: plan, session: session, claimID: claim, filename: nil, declaredLength: mib, facts: RequestFacts()
            ) { _ in
                for await _ in release.stream { break }
                return Self.pdf
            }
            try await TestEnvironment.waitUntil("the first upload holds the budget") { tight.peakBytes == mib }
            let started = ContinuousClock.now
            let refused = await #expect(throws: Problem.self) {
                _ = try await held.addClaimAttachment(plan: plan, session: session, claimID: claim, filename: nil, declaredLength: 10, facts: RequestFacts()) { _ in
                    Issue.record("the body of a refused upload is not read")
                    return Self.pdf
                }
            }
            #expect(refused?.code == "service_busy")
            #expect(refused?.status == .serviceUnavailable)
            #expect(ContinuousClock.now - started < .seconds(5))
            release.continuation.yield()
            release.continuation.finish()
            _ = try await holder
        }
    }

    /// A declared size over 10 MiB, or over what is left of the day's quota, is refused before
    /// the body is read.
    @Test(.tags(.addClaimAttachment)) func declaredSizesAreCheckedBeforeTheBodyIsRead() async throws {
        try await TestEnvironment.withApp { client, services, key in
            let (f, plan, session, claim) = try await Self.memberWithClaim(client, services, key: key)
            let operations = services.memberClaims
            func refusal(declaring length: Int) async -> Problem? {
                await #expect(throws: Problem.self) {
                    _ = try await operations.addClaimAttachment(
                        plan: plan, session: session, claimID: claim, filename: nil, declaredLength: length, facts: RequestFacts()
                    ) { _ in
                        Issue.record("the body of a refused upload is not read")
                        return Self.pdf
                    }
                }
            }
            #expect(await refusal(declaring: 10 * 1024 * 1024 + 1)?.code == "payload_too_large")
            try await services.postgres.query(PostgresQueryText.insertReceipts(schema: f.member.plan.quotedSchema, claim: claim.uuidString, ageHours: [3, 2, 1, 1, 1]))
            #expect(await refusal(declaring: 1)?.code == "upload_quota_exceeded", "50 MiB sent within 24 hours")
        }
    }
}

/// SQL that fakes receipts already sent (their recorded size, not their bytes).
enum PostgresQueryText {
    static func insertReceipts(schema: String, claim: String, ageHours: [Int]) -> PostgresQuery {
        let values = ageHours.map {
            "('\(claim)', 'application/pdf', 10485760, sha256('x'::bytea), '%PDF-'::bytea, now() - interval '\($0) hours')"
        }.joined(separator: ", ")
        return PostgresQuery(unsafeSQL: "INSERT INTO \(schema).claim_attachments (claim_id, content_type, size_bytes, sha256, content, created_at) VALUES \(values)")
    }

    static func age(schema: String, claim: String, fromHours: Int, toHours: Int) -> PostgresQuery {
        PostgresQuery(unsafeSQL: """
            UPDATE \(schema).claim_attachments SET created_at = now() - interval '\(toHours) hours'
            WHERE claim_id = '\(claim)' AND created_at < now() - interval '\(fromHours - 1) hours' AND created_at > now() - interval '\(fromHours + 1) hours'
            """)
    }
}

extension TestResponse {
    /// Expects a problem with `status` and `code`, then runs `more` on the response.
    func expectProblem(_ status: HTTPResponse.Status, _ code: String, _ more: (TestResponse) throws -> Void = { _ in }) throws {
        #expect(self.status == status, "\(String(buffer: body))")
        #expect(try problemCode() == code)
        try more(self)
    }
}
