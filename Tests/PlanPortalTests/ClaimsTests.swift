import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import PostgresNIO
import Testing

@testable import PlanPortal

/// Benefits, coverage and claims against real PostgreSQL (issue #5).
@Suite struct ClaimsTests {
    @Test(.tags(.putBenefits, .getBenefits)) func benefitsAreValidatedStoredAndReadBack() async throws {
        try await TestEnvironment.withApp { client, services, key in
            let slug = TestEnvironment.uniqueSlug("ben")
            try await client.execute(uri: "/v1/admin/plans", method: .post, headers: .admin(key), body: .json(planBody(slug: slug))) {
                #expect($0.status == .created)
            }
            let uri = "/v1/admin/plans/\(slug)/benefits"
            try await client.execute(uri: uri, method: .get, headers: .admin(key)) { response in
                #expect(response.status == .notFound)
                try #expect(response.problemCode() == "benefits_not_configured")
            }
            let bad: [String: Any] = [
                "benefitYearStart": "02-29",
                "categories": [
                    ["code": "Dental", "nameFr": "", "nameEn": "Dental", "coveragePercent": 120, "annualMaximumCents": -1],
                    ["code": "vision", "nameFr": "Vue", "nameEn": "Vision", "coveragePercent": 100, "perClaimMaximumCents": 0],
                    ["code": "vision", "nameFr": "Vue", "nameEn": "Vision", "coveragePercent": 100],
                ],
            ]
            try await client.execute(uri: uri, method: .put, headers: .admin(key, language: "en"), body: .json(bad)) { response in
                #expect(response.status == .unprocessableContent)
                try #expect(response.problemCode() == "validation_failed")
                let fields = try (response.object()["errors"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String }
                #expect(fields == [
                    "benefitYearStart", "categories[0].code", "categories[0].nameFr", "categories[0].coveragePercent",
                    "categories[0].annualMaximumCents", "categories[1].perClaimMaximumCents", "categories[2].code",
                ])
            }
            try await client.execute(uri: uri, method: .put, headers: .admin(key), body: .json(["benefitYearStart": "09-01", "categories": [], "extra": 1])) {
                #expect($0.status == .unprocessableContent)
            }
            try #expect(await MemberFixture(slug: slug, email: "", certificate: "").count(services, "SELECT count(*) FROM $S.benefit_settings") == 0)
            try await client.execute(uri: uri, method: .put, headers: .admin(key), body: .json(ClaimsFixture.benefits)) { #expect($0.status == .ok) }
            try await client.execute(uri: uri, method: .get, headers: .admin(key)) { response in
                #expect(response.status == .ok)
                let body = try response.object()
                #expect(body["benefitYearStart"] as? String == "01-01")
                let categories = try #require(body["categories"] as? [[String: Any]])
                #expect(categories.map { $0["code"] as? String } == ["dental", "vision"])
                #expect(categories[0]["annualMaximumCents"] as? Int == 50_000)
                #expect(categories[0]["perClaimMaximumCents"] is NSNull)
            }
            let audit = try await services.audit.list(plan: PlanSlug(slug)!, limit: 10, before: nil)
            #expect(audit.items.first?.action == "benefits.updated")
            #expect(audit.items.first?.details.fields == ["dental", "vision"])
        }
    }

    /// Benefit year starting today: a claim served yesterday counts in last year, one served today
    /// in this year, each against its own annual maximum.
    @Test(.tags(.getMyCoverage, .decideClaim)) func coverageArithmeticAcrossTheBenefitYearBoundary() async throws {
        try await TestEnvironment.withApp { client, services, key in
            let today = CalendarDate.today()
            // The benefit year starts today (yesterday on February 29, which cannot start one).
            let anchor = today.hasSuffix("-02-29") ? day(-1) : today
            let start = String(anchor.suffix(5))
            var benefits = ClaimsFixture.benefits
            benefits["benefitYearStart"] = start
            benefits["categories"] = [
                ["code": "dental", "nameFr": "Soins dentaires", "nameEn": "Dental care", "coveragePercent": 80, "annualMaximumCents": 10_000],
            ]
            let f = try await ClaimsFixture.make(client, services, key: key, benefits: benefits)
            let lastYear = try await f.submit(client, ClaimsFixture.claimBody(serviceDate: day(-1, from: anchor), amount: 20_000))
            let thisYear = try await f.submit(client, ClaimsFixture.claimBody(serviceDate: today, amount: 5_000))
            for id in [lastYear, thisYear] { try await f.review(client, id) }

            // Last year: 80 % of 200 $ is 160 $, capped by the 100 $ annual maximum.
            let above = try await f.admin(client, lastYear, "decision", ["outcome": "approved", "approvedAmountCents": 10_001])
            #expect(above.status == .unprocessableContent)
            try #expect(above.problemCode() == "approved_amount_above_cap")
            let approved = try await f.admin(client, lastYear, "decision", ["outcome": "approved"])
            #expect(approved.status == .ok)
            try #expect(approved.object()["approvedAmountCents"] as? Int == 10_000)
            // This year starts afresh: 80 % of 50 $.
            let second = try await f.admin(client, thisYear, "decision", ["outcome": "partially_approved", "approvedAmountCents": 3_500])
            #expect(second.status == .ok)

            let coverage = try await f.coverage(client)
            let year = try #require(coverage["benefitYear"] as? [String: Any])
            #expect(year["start"] as? String == anchor)
            #expect(coverage["status"] as? String == "active")
            let dental = try #require((coverage["categories"] as? [[String: Any]])?.first)
            #expect(dental["name"] as? String == "Soins dentaires")
            #expect(dental["usedCents"] as? Int == 3_500)
            #expect(dental["remainingCents"] as? Int == 6_500)

            // A third claim this year: only the 65 $ left can be approved.
            let third = try await f.submit(client, ClaimsFixture.claimBody(serviceDate: today, amount: 50_000))
            try await f.review(client, third)
            let capped = try await f.admin(client, third, "decision", ["outcome": "approved", "approvedAmountCents": 6_501])
            #expect(capped.status == .unprocessableContent)
            #expect(try await f.admin(client, third, "decision", ["outcome": "approved"]).status == .ok)
            let after = try await f.coverage(client)
            let dentalAfter = try #require((after["categories"] as? [[String: Any]])?.first)
            #expect(dentalAfter["usedCents"] as? Int == 10_000)
            #expect(dentalAfter["remainingCents"] as? Int == 0)
            // Member B used nothing.
            let b = try await f.coverage(client, token: f.tokenB)
            #expect((b["categories"] as? [[String: Any]])?.first?["usedCents"] as? Int == 0)
        }
    }

    @Test(.tags(.submitClaim)) func submissionRulesAreCheckedAndNothingIsWritten() async throws {
        try await TestEnvironment.withApp { client, services, key in
            let f = try await ClaimsFixture.make(client, services, key: key)
            func rejected(_ body: [String: Any], key: String? = UUID().uuidString) async throws -> [String] {
                try await client.execute(uri: "\(f.base)/me/claims", method: .post, headers: ClaimsFixture.member(f.tokenA, key: key), body: .json(body)) { response in
                    #expect(response.status == .unprocessableContent)
                    try #expect(response.problemCode() == "validation_failed")
                    return try (response.object()["errors"] as? [[String: Any]] ?? []).map { "\($0["field"] ?? "")/\($0["rule"] ?? "")" }
                }
            }
            #expect(try await rejected(ClaimsFixture.claimBody(category: "massage")) == ["category/unknown"])
            #expect(try await rejected(ClaimsFixture.claimBody(serviceDate: day(1))) == ["serviceDate/future"])
            #expect(try await rejected(ClaimsFixture.claimBody(amount: 0)) == ["amountCents/positive"])
            #expect(try await rejected(ClaimsFixture.claimBody(amount: -5)) == ["amountCents/positive"])
            var usd = ClaimsFixture.claimBody()
            usd["currency"] = "USD"
            #expect(try await rejected(usd) == ["currency/enum"])
            #expect(try await rejected(ClaimsFixture.claimBody(), key: nil) == ["Idempotency-Key/required"])
            #expect(try await rejected(ClaimsFixture.claimBody(provider: "Clinique\u{0}"), key: "nul") == ["providerName/length"])
            // Coverage from the roster: member A's coverage starts tomorrow.
            let csv = """
                certificate_number,last_name,first_name,date_of_birth,coverage_start,coverage_end,coverage_status
                \(f.member.certificate),\(f.member.lastName),\(f.member.firstName),\(f.member.dateOfBirth),\(day(1)),,
                """
            try await client.execute(
                uri: "\(f.adminBase)/roster", method: .put, headers: [.authorization: "Bearer \(key)", .contentType: "text/csv"], body: ByteBuffer(string: csv)
            ) { #expect($0.status == .ok) }
            #expect(try await rejected(ClaimsFixture.claimBody()) == ["serviceDate/outside_coverage"])
            // An old-style file leaves coverage alone.
            let old = "certificate_number,last_name,first_name,date_of_birth\n\(f.member.certificate),\(f.member.lastName),\(f.member.firstName),\(f.member.dateOfBirth)\n"
            try await client.execute(
                uri: "\(f.adminBase)/roster", method: .put, headers: [.authorization: "Bearer \(key)", .contentType: "text/csv"], body: ByteBuffer(string: old)
            ) { #expect($0.status == .ok) }
            let coverage = try await f.coverage(client)
            #expect(coverage["coverageStart"] as? String == day(1))
            try #expect(await f.member.count(services, "SELECT count(*) FROM $S.claims") == 0)
            try #expect(await f.member.count(services, "SELECT count(*) FROM $S.claim_idempotency_keys") == 0)
            // Member B is still covered.
            _ = try await f.submit(client, token: f.tokenB)
        }
    }

    @Test(.tags(.submitClaim)) func sameIdempotencyKeyConcurrentlyWritesOneClaim() async throws {
        try await TestEnvironment.withApp { client, services, key in
            let f = try await ClaimsFixture.make(client, services, key: key)
            let idempotencyKey = UUID().uuidString
            let today = CalendarDate.today()
            let body = ClaimsFixture.claimBody(serviceDate: today)
            let results = try await withThrowingTaskGroup(of: (HTTPResponse.Status, String?).self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        try await client.execute(
                            uri: "\(f.base)/me/claims", method: .post, headers: ClaimsFixture.member(f.tokenA, key: idempotencyKey),
                            body: .json(ClaimsFixture.claimBody(serviceDate: today))
                        ) { ($0.status, try $0.object()["id"] as? String) }
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(results.allSatisfy { $0.0 == .created })
            #expect(Set(results.compactMap(\.1)).count == 1)
            try #expect(await f.member.count(services, "SELECT count(*) FROM $S.claims") == 1)
            try #expect(await f.member.count(services, "SELECT count(*) FROM $S.audit_events WHERE action = 'claim.submitted'") == 1)

            // Same key, same body (other key order) later: the original response.
            let reordered = Dictionary(uniqueKeysWithValues: body.sorted { $0.key > $1.key })
            try await client.execute(uri: "\(f.base)/me/claims", method: .post, headers: ClaimsFixture.member(f.tokenA, key: idempotencyKey), body: .json(reordered)) { response in
                #expect(response.status == .created)
                try #expect(response.object()["id"] as? String == results[0].1)
            }
            // Same key, another body.
            try await client.execute(
                uri: "\(f.base)/me/claims", method: .post, headers: ClaimsFixture.member(f.tokenA, key: idempotencyKey),
                body: .json(ClaimsFixture.claimBody(amount: 10_001))
            ) { response in
                #expect(response.status == .unprocessableContent)
                try #expect(response.problemCode() == "idempotency_key_reused")
            }
            // The same key is member A's only: member B may use it.
            try await client.execute(uri: "\(f.base)/me/claims", method: .post, headers: ClaimsFixture.member(f.tokenB, key: idempotencyKey), body: .json(body)) { response in
                #expect(response.status == .created)
                try #expect(response.object()["id"] as? String != results[0].1)
            }
            // After 24 hours the key is forgotten.
            try await services.postgres.query(PostgresQuery(unsafeSQL: "UPDATE \(PlanSlug(f.slug)!.quotedSchema).claim_idempotency_keys SET created_at = now() - interval '25 hours'"))
            try await client.execute(
                uri: "\(f.base)/me/claims", method: .post, headers: ClaimsFixture.member(f.tokenA, key: idempotencyKey),
                body: .json(ClaimsFixture.claimBody(amount: 10_001))
            ) { #expect($0.status == .created) }
            try #expect(await f.member.count(services, "SELECT count(*) FROM $S.claims") == 3)
        }
    }

    @Test(.tags(.addClaimAttachment, .getClaimAttachment, .getMyClaim)) func receiptsAreSniffedStoredAndServedBack() async throws {
        try await TestEnvironment.withApp { client, services, key in
            let f = try await ClaimsFixture.make(client, services, key: key)
            let claim = try await f.submit(client)
            let uri = "\(f.base)/me/claims/\(claim)/attachments"
            let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array(repeating: 7, count: 100)
            var headers = ClaimsFixture.member(f.tokenA, json: false)
            headers[.contentType] = "application/pdf"
            let attachmentID = try await client.execute(uri: "\(uri)?filename=recu.pdf", method: .post, headers: headers, body: ByteBuffer(bytes: png)) { response in
                #expect(response.status == .created)
                let body = try response.object()
                #expect(body["contentType"] as? String == "image/png")
                #expect(body["sizeBytes"] as? Int == png.count)
                let rows = try await services.postgres.query("SELECT encode(sha256(\(ByteBuffer(bytes: png))), 'hex')")
                for try await digest in rows.decode(String.self) { #expect(body["sha256"] as? String == digest) }
                return try #require(body["id"] as? String)
            }
            try await client.execute(uri: "\(uri)/\(attachmentID)", method: .get, headers: ClaimsFixture.member(f.tokenA, json: false)) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "image/png")
                #expect(Array(response.body.readableBytesView) == png)
            }
            let exe = Array("MZ".utf8) + [0x90, 0x00, 0x03, 0x00, 0x00, 0x00, 0x04]
            headers[.contentType] = "application/octet-stream"
            try await client.execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(bytes: exe)) { response in
                #expect(response.status == .unsupportedMediaType)
                try #expect(response.problemCode() == "unsupported_media_type")
            }
            let big = [UInt8]("%PDF-".utf8) + [UInt8](repeating: 0x20, count: ReceiptType.maxBytes)
            try await client.execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(bytes: big)) { response in
                #expect(response.status == .contentTooLarge)
                try #expect(response.problemCode() == "payload_too_large")
            }
            try await client.execute(uri: "\(f.base)/me/claims/\(claim)", method: .get, headers: ClaimsFixture.member(f.tokenA, json: false)) { response in
                #expect(response.status == .ok)
                let attachments = try response.object()["attachments"] as? [[String: Any]]
                #expect(attachments?.count == 1)
                #expect(attachments?.first?["filename"] as? String == "recu.pdf")
            }
            // Once in review, no more receipts.
            try await f.review(client, claim)
            try await client.execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(bytes: Array("%PDF-1.4".utf8))) { response in
                #expect(response.status == .conflict)
                try #expect(response.problemCode() == "claim_not_editable")
            }
            try #expect(await f.member.count(services, "SELECT count(*) FROM $S.claim_attachments") == 1)
        }
    }

    /// 250 claims read 37 at a time while new ones arrive between pages.
    @Test(.tags(.listMyClaims, .listPlanClaims)) func paginationIsStableUnderInserts() async throws {
        try await TestEnvironment.withApp { client, services, key in
            let f = try await ClaimsFixture.make(client, services, key: key)
            let schema = PlanSlug(f.slug)!.quotedSchema
            let insert = """
                INSERT INTO \(schema).claims (account_id, member_id, category, service_date, provider_name, amount_cents, currency)
                SELECT a.id, a.member_id, 'dental', current_date - 1, 'Provider ' || g, 1000 + g, 'CAD'
                FROM \(schema).accounts a JOIN \(schema).members m ON m.id = a.member_id, generate_series(1, %d) g
                WHERE m.certificate_number = '\(f.member.certificate)'
                """
            try await services.postgres.query(PostgresQuery(unsafeSQL: String(format: insert, 250)))
            _ = try await f.submit(client, token: f.tokenB)
            var seen: [String] = []
            var cursor: String?
            var pages = 0
            repeat {
                let uri = "\(f.base)/me/claims?limit=37" + (cursor.map { "&cursor=\($0)" } ?? "")
                cursor = try await client.execute(uri: uri, method: .get, headers: ClaimsFixture.member(f.tokenA, json: false)) { response in
                    #expect(response.status == .ok)
                    let body = try response.object()
                    let items = try #require(body["items"] as? [[String: Any]])
                    #expect(items.count <= 37)
                    seen += items.compactMap { $0["id"] as? String }
                    return body["nextCursor"] as? String
                }
                try await services.postgres.query(PostgresQuery(unsafeSQL: String(format: insert, 3)))
                pages += 1
            } while cursor != nil && pages < 20
            #expect(pages == 7)
            #expect(seen.count == 250)
            #expect(Set(seen).count == 250)
            let expected = try await services.postgres.query(PostgresQuery(unsafeSQL: """
                SELECT c.id FROM \(schema).claims c JOIN \(schema).members m ON m.id = c.member_id
                WHERE m.certificate_number = '\(f.member.certificate)' ORDER BY c.seq DESC OFFSET \(pages * 3) LIMIT 250
                """))
            var ids: [String] = []
            for try await id in expected.decode(UUID.self) { ids.append(id.uuidString.lowercased()) }
            let inOrder = seen == ids
            #expect(inOrder, "newest first, no gap, no duplicate")

            try await client.execute(uri: "\(f.base)/me/claims?limit=101", method: .get, headers: ClaimsFixture.member(f.tokenA, json: false)) {
                #expect($0.status == .unprocessableContent)
            }
            try await client.execute(uri: "\(f.base)/me/claims?cursor=nope", method: .get, headers: ClaimsFixture.member(f.tokenA, json: false)) {
                #expect($0.status == .unprocessableContent)
            }
            try await client.execute(uri: "\(f.base)/me/claims?status=in_review", method: .get, headers: ClaimsFixture.member(f.tokenA, json: false)) { response in
                #expect(response.status == .ok)
                try #expect((response.object()["items"] as? [Any])?.isEmpty == true)
            }
            try await client.execute(uri: "\(f.base)/me/claims?status=submitted&limit=50", method: .get, headers: ClaimsFixture.member(f.tokenA, json: false)) { response in
                #expect(response.status == .ok)
                let body = try response.object()
                let items = try #require(body["items"] as? [[String: Any]])
                #expect(items.count == 50 && items.allSatisfy { $0["status"] as? String == "submitted" })
                #expect(body["nextCursor"] is String)
            }
            try await client.execute(uri: "\(f.adminBase)/claims?status=submitted&limit=100", method: .get, headers: .admin(key)) { response in
                #expect(response.status == .ok)
                let items = try #require(try response.object()["items"] as? [[String: Any]])
                #expect(items.count == 100)
                #expect(items.filter { $0["certificateNumber"] as? String == "Z\(f.member.certificate)" }.count == 1)
            }
        }
    }

    @Test(.tags(.getMyClaim, .listMyClaims, .getMyCoverage, .addClaimAttachment, .getClaimAttachment)) func membersOnlyReachTheirOwnClaimsAndPlan() async throws {
        try await TestEnvironment.withApp { client, services, key in
            let f = try await ClaimsFixture.make(client, services, key: key)
            let claim = try await f.submit(client)
            var headers = ClaimsFixture.member(f.tokenA, json: false)
            let attachment = try await client.execute(
                uri: "\(f.base)/me/claims/\(claim)/attachments", method: .post, headers: headers, body: ByteBuffer(bytes: Array("%PDF-1.7 receipt".utf8))
            ) { try #require(try $0.object()["id"] as? String) }
            headers = ClaimsFixture.member(f.tokenB, json: false)
            try await client.execute(uri: "\(f.base)/me/claims/\(claim)", method: .get, headers: headers) { response in
                #expect(response.status == .notFound)
                try #expect(response.problemCode() == "claim_not_found")
            }
            try await client.execute(uri: "\(f.base)/me/claims/\(claim)/attachments/\(attachment)", method: .get, headers: headers) { response in
                #expect(response.status == .notFound)
                try #expect(response.problemCode() == "attachment_not_found")
            }
            try await client.execute(
                uri: "\(f.base)/me/claims/\(claim)/attachments", method: .post, headers: headers, body: ByteBuffer(bytes: Array("%PDF-1.7".utf8))
            ) { #expect($0.status == .notFound) }
            try await client.execute(uri: "\(f.base)/me/claims", method: .get, headers: headers) { response in
                try #expect((response.object()["items"] as? [Any])?.isEmpty == true)
            }
            try await client.execute(uri: "\(f.base)/me/claims/not-a-uuid", method: .get, headers: headers) { #expect($0.status == .notFound) }
            // Plan A's token on plan B.
            let other = try await MemberFixture.make(client: client, key: key)
            for path in ["me/claims", "me/claims/\(claim)", "me/coverage", "me/claims/\(claim)/attachments/\(attachment)"] {
                try await client.execute(uri: "\(other.base)/\(path)", method: .get, headers: ClaimsFixture.member(f.tokenA, json: false)) { response in
                    #expect(response.status == .unauthorized)
                }
            }
            try await client.execute(uri: "\(f.base)/me/claims", method: .get) { #expect($0.status == .unauthorized) }
        }
    }

    @Test(.tags(.decideClaim, .changeClaimStatus, .getMyClaim)) func concurrentDecisionsHaveExactlyOneWinnerAndEveryStepIsAuditedAndMailed() async throws {
        try await TestEnvironment.withApp { client, services, key in
            let f = try await ClaimsFixture.make(client, services, key: key)
            let claim = try await f.submit(client)
            // Not in review yet: no decision, no payment.
            for (action, body) in [("decision", ["outcome": "approved"]), ("status", ["status": "paid"])] {
                let response = try await f.admin(client, claim, action, body)
                #expect(response.status == .conflict)
                try #expect(response.problemCode() == "invalid_transition")
            }
            try await f.review(client, claim)
            let outcomes = ["approved", "denied", "partially_approved", "approved", "denied", "partially_approved"]
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for outcome in outcomes {
                    group.addTask {
                        var body: [String: Any] = ["outcome": outcome, "reason": "Grille ADC"]
                        if outcome == "partially_approved" { body["approvedAmountCents"] = 5_000 }
                        return try await f.admin(client, claim, "decision", body).status
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .ok }.count == 1)
            #expect(statuses.filter { $0 == .conflict }.count == outcomes.count - 1)
            let detail = try await client.execute(uri: "\(f.base)/me/claims/\(claim)", method: .get, headers: ClaimsFixture.member(f.tokenA, json: false)) {
                try $0.object()
            }
            let history = try #require(detail["statusHistory"] as? [[String: Any]])
            #expect(history.count == 3)
            #expect(history.first?["status"] as? String == "submitted")
            #expect(history.last?["reason"] as? String == "Grille ADC")
            #expect(detail["approvedAmountCents"] is Int)
            let decided = try #require(history.last?["status"] as? String)
            let payment = try await f.admin(client, claim, "status", ["status": "paid"])
            #expect(payment.status == (decided == "denied" ? .conflict : .ok))
            let bad = try await f.admin(client, claim, "status", ["status": "approved"])
            #expect(bad.status == .unprocessableContent)
            try await client.execute(uri: "\(f.adminBase)/claims/\(UUID().uuidString)/status", method: .post, headers: .admin(key), body: .json(["status": "in_review"])) {
                #expect($0.status == .notFound)
            }

            let transitions = decided == "denied" ? 2 : 3
            try #expect(await f.member.count(services, "SELECT count(*) FROM $S.audit_events WHERE action IN ('claim.decided', 'claim.status_changed')") == transitions)
            let rows = try await services.postgres.query("SELECT kind, to_address, body_text FROM control.outbox WHERE plan_slug = \(f.slug) AND kind LIKE 'claim_%' ORDER BY id")
            var mails: [(String, String?, String?)] = []
            for try await row in rows.decode((String, String?, String?).self) { mails.append(row) }
            #expect(mails.map(\.0) == ["claim_in_review", "claim_\(decided)"] + (decided == "denied" ? [] : ["claim_paid"]))
            #expect(mails.allSatisfy { $0.1 == f.member.email })
            #expect(mails[1].2?.contains("Grille ADC") == true)
            #expect(mails[1].2?.contains(String(claim.prefix(8))) == true)
            #expect(mails[1].2?.contains("Votre réclamation") == true)
        }
    }
}
