import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import PostgresNIO
import Testing

@testable import PlanPortal

/// Dependants (issue #14): the dependants file, claims per person, family maximums, enrolment requests.
@Suite struct DependantsTests {
    static let header = "principal_certificate_number,dependant_id,relationship,last_name,first_name,date_of_birth,coverage_start,coverage_end"

    static func putDependants(_ client: any TestClientProtocol, _ f: ClaimsFixture, _ csv: String) async throws -> TestResponse {
        try await client.execute(
            uri: "\(f.adminBase)/roster/dependants", method: .put, headers: [.authorization: "Bearer \(f.key)", .contentType: "text/csv"],
            body: ByteBuffer(string: csv)
        )
    }

    /// `line:field:rule` of a `roster_invalid` answer.
    static func lineErrors(_ response: TestResponse) throws -> [String] {
        #expect(response.status == .unprocessableContent)
        #expect(try response.problemCode() == "roster_invalid")
        return try (response.object()["errors"] as? [[String: Any]] ?? []).map { "\($0["line"] ?? ""):\($0["field"] ?? ""):\($0["rule"] ?? "")" }
    }

    @Test func dependantFilesAreParsedLineByLine() {
        let text = """
            \(Self.header)
            c-100,d-1,Spouse,Roy,Marie,1990-02-03,2026-01-01,
            C100,D 2,cousin,Roy,Paul,2999-01-01,,
            C100,D1,child,Roy,,2010-01-01,2026-02-01,2026-01-01
            ,SELF,child,Roy,Léa,2012-01-01,,
            """
        guard case .failure(let errors) = DependantRosterCSV.parse(text) else {
            Issue.record("a bad file was accepted")
            return
        }
        #expect(errors.lines.map { "\($0.line):\($0.field ?? ""):\($0.reason)" } == [
            "3:relationship:invalid_relationship", "3:date_of_birth:invalid_date",
            "4:first_name:required", "4:coverage_end:coverage_end_before_start", "4:dependant_id:duplicate_dependant_of_line_2",
            "5:principal_certificate_number:required", "5:dependant_id:invalid_format",
        ])
        let good = DependantRosterCSV.parse("dependant_id,relationship,principal_certificate_number,last_name,first_name,date_of_birth\nd-1,CHILD,c 100,Roy,Léa,2012-01-01\n")
        guard case .success(let rows) = good else {
            Issue.record("a good file was refused")
            return
        }
        #expect(rows == [DependantRosterRow(
            line: 2, principalCertificateNumber: "C100", dependantId: "D1", relationship: .child, lastName: "Roy", firstName: "Léa", dateOfBirth: "2012-01-01"
        )])
        let missing = DependantRosterCSV.parse("dependant_id,relationship\n")
        #expect((try? missing.get()) == nil)
    }

    @Test(.tags(.importDependantRoster, .getMember, .listMyDependants))
    func dependantFilesAreAllOrNothingUpsertedAndShownToTheFamilyAndSupport() async throws {
        try await TestEnvironment.withApp { client, services, key in
            let f = try await ClaimsFixture.make(client, services, key: key)
            let a = f.member.certificate, b = "Z\(f.member.certificate)"
            // Every bad line listed, nothing applied: an unknown principal is a line error.
            let bad = """
                \(Self.header)
                \(a),\(a)-01,spouse,Côté,Marc,1996-02-11,2026-09-01,
                NOBODY1,X1,child,Roy,Léa,2020-01-01,,
                \(a),\(a)-02,child,Côté,Léa,2024-05-30,,
                """
            #expect(try Self.lineErrors(try await Self.putDependants(client, f, bad)) == ["3:principal_certificate_number:unknown_principal"])
            try #expect(await f.member.count(services, "SELECT count(*) FROM $S.dependants") == 0)
            var headers = HTTPFields.admin(key)
            headers[.contentType] = "text/plain"
            try await client.execute(uri: "\(f.adminBase)/roster/dependants", method: .put, headers: headers, body: ByteBuffer(string: bad)) {
                #expect($0.status == .unsupportedMediaType)
            }

            let good = """
                \(Self.header)
                \(a),\(a)-01,spouse,Côté,Marc,1996-02-11,2026-01-01,
                \(a),\(a)-02,child,Côté,Léa,2024-05-30,,
                \(b),\(b)-01,child,Roy,Noé,2019-07-14,,
                """
            let first = try await Self.putDependants(client, f, good)
            #expect(first.status == .ok)
            try #expect(first.object() as NSDictionary == ["inserted": 3, "updated": 0, "unchanged": 0] as NSDictionary)
            let changed = good.replacingOccurrences(of: "Côté,Léa,2024-05-30,,", with: "Côté,Léa,2024-05-30,,2030-12-31")
            let second = try await Self.putDependants(client, f, changed)
            try #expect(second.object() as NSDictionary == ["inserted": 0, "updated": 1, "unchanged": 2] as NSDictionary)
            // A later file without coverage columns, listing one dependant: the others stay, coverage too.
            let partial = "principal_certificate_number,dependant_id,relationship,last_name,first_name,date_of_birth\n\(a),\(a)-02,child,Côté,Léa,2024-05-30\n"
            let third = try await Self.putDependants(client, f, partial)
            try #expect(third.object() as NSDictionary == ["inserted": 0, "updated": 0, "unchanged": 1] as NSDictionary)
            // A dependant id of member B listed under member A.
            let moved = "\(Self.header)\n\(a),\(b)-01,child,Roy,Noé,2019-07-14,,\n"
            #expect(try Self.lineErrors(try await Self.putDependants(client, f, moved)) == ["2:dependant_id:dependant_of_other_member"])

            try await client.execute(uri: "\(f.base)/me/dependants", method: .get, headers: ClaimsFixture.member(f.tokenA, json: false)) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.cacheControl] == "no-store")
                let items = try #require(try response.object()["items"] as? [[String: Any]])
                #expect(items.map { $0["dependantId"] as? String } == ["\(a)01", "\(a)02"])
                #expect(items[0]["relationship"] as? String == "spouse" && items[0]["coverageStart"] as? String == "2026-01-01")
                #expect(items[1]["coverageEnd"] as? String == "2030-12-31" && items[1]["dateOfBirth"] as? String == "2024-05-30")
            }
            try await client.execute(uri: "\(f.base)/me/dependants", method: .get, headers: ClaimsFixture.member(f.tokenB, json: false)) { response in
                try #expect((response.object()["items"] as? [[String: Any]])?.map { $0["firstName"] as? String } == ["Noé"])
            }
            try await client.execute(uri: "\(f.adminBase)/members/\(a)", method: .get, headers: .admin(key)) { response in
                #expect(response.status == .ok)
                let family = try #require(try response.object()["dependants"] as? [[String: Any]])
                #expect(family.map { $0["firstName"] as? String } == ["Marc", "Léa"])
            }
            try #expect(await f.member.count(services, "SELECT count(*) FROM $S.audit_events WHERE action = 'roster.dependants_imported'") == 3)
        }
    }

    @Test(.tags(.submitClaim, .listMyClaims, .getMyClaim, .getMyCoverage))
    func claimsNameTheirPatientWhoMustBeCoveredOnTheServiceDate() async throws {
        try await TestEnvironment.withApp { client, services, key in
            let f = try await ClaimsFixture.make(client, services, key: key)
            let a = f.member.certificate, b = "Z\(f.member.certificate)"
            let csv = """
                \(Self.header)
                \(a),\(a)-01,spouse,Côté,Marc,1996-02-11,,
                \(a),\(a)-02,child,Côté,Léa,2024-05-30,\(day(1)),
                \(b),\(b)-01,child,Roy,Noé,2019-07-14,,
                """
            #expect(try await Self.putDependants(client, f, csv).status == .ok)
            func rejected(_ patient: Any) async throws -> String? {
                var body = ClaimsFixture.claimBody()
                body["patient"] = patient
                return try await client.execute(
                    uri: "\(f.base)/me/claims", method: .post, headers: ClaimsFixture.member(f.tokenA, key: UUID().uuidString), body: .json(body)
                ) { response in
                    #expect(response.status == .unprocessableContent)
                    return try response.problemCode()
                }
            }
            #expect(try await rejected("\(a)02") == "patient_not_covered", "covered from tomorrow")
            #expect(try await rejected("\(b)01") == "patient_not_covered", "member B's child")
            #expect(try await rejected("NOBODY") == "patient_not_covered")
            #expect(try await rejected("self!") == "patient_not_covered")
            #expect(try await rejected(String(repeating: "x", count: 101)) == "validation_failed")
            try #expect(await f.member.count(services, "SELECT count(*) FROM $S.claims") == 0)

            let mine = try await f.submit(client)
            var forSpouse = ClaimsFixture.claimBody(amount: 7_000)
            forSpouse["patient"] = "\(a.lowercased())-01"
            let spouse = try await f.submit(client, forSpouse)
            try await client.execute(uri: "\(f.base)/me/claims", method: .get, headers: ClaimsFixture.member(f.tokenA, json: false)) { response in
                let items = try #require(try response.object()["items"] as? [[String: Any]])
                #expect(items.map { $0["patient"] as? String } == ["\(a)01", "self"])
                #expect(items.map { $0["id"] as? String } == [spouse, mine])
            }
            try await client.execute(uri: "\(f.base)/me/claims/\(spouse)", method: .get, headers: ClaimsFixture.member(f.tokenA, json: false)) { response in
                try #expect(response.object()["patient"] as? String == "\(a)01")
            }
            try await client.execute(uri: "\(f.adminBase)/claims/\(spouse)", method: .get, headers: .admin(key)) { response in
                try #expect(response.object()["patient"] as? String == "\(a)01")
            }
            let coverage = try await f.coverage(client)
            let people = try #require(coverage["people"] as? [[String: Any]])
            #expect(people.map { $0["patient"] as? String } == ["self", "\(a)01", "\(a)02"])
            #expect(people[0]["firstName"] as? String == "Jeanne" && people[0].keys.contains("relationship") == false)
            #expect(people[2]["coverageStart"] as? String == day(1) && people[2]["relationship"] as? String == "child")
            #expect((coverage["categories"] as? [[String: Any]])?.first?["maximumScope"] as? String == "person")
        }
    }

    /// Dental's 100 $ maximum is the family's, vision's 50 $ each person's: six decisions at once
    /// on claims of three people never pay more than the family's maximum.
    @Test(.tags(.decideClaim, .putBenefits, .getBenefits, .getMyCoverage))
    func familyMaximumsHoldUnderConcurrentDecisions() async throws {
        try await TestEnvironment.withApp { client, services, key in
            let benefits: [String: Any] = [
                "benefitYearStart": "01-01",
                "categories": [
                    ["code": "dental", "nameFr": "Dentaire", "nameEn": "Dental", "coveragePercent": 100, "annualMaximumCents": 10_000, "maximumScope": "family"],
                    ["code": "vision", "nameFr": "Vue", "nameEn": "Vision", "coveragePercent": 100, "annualMaximumCents": 5_000],
                ],
            ]
            let f = try await ClaimsFixture.make(client, services, key: key, benefits: benefits)
            let a = f.member.certificate
            try await client.execute(uri: "\(f.adminBase)/benefits", method: .get, headers: .admin(key)) { response in
                let categories = try #require(try response.object()["categories"] as? [[String: Any]])
                #expect(categories.map { $0["maximumScope"] as? String } == ["family", "person"])
            }
            // Absent is `person`; null and anything else are refused.
            var explicit = benefits
            explicit["categories"] = (benefits["categories"] as? [[String: Any]] ?? []).map { category in
                var category = category
                if category["code"] as? String == "vision" { category["maximumScope"] = NSNull() }
                return category
            }
            try await client.execute(uri: "\(f.adminBase)/benefits", method: .put, headers: .admin(key), body: .json(explicit)) { response in
                #expect(response.status == .unprocessableContent)
            }
            var galaxy = benefits
            galaxy["categories"] = [["code": "dental", "nameFr": "D", "nameEn": "D", "coveragePercent": 100, "maximumScope": "galaxy"]]
            try await client.execute(uri: "\(f.adminBase)/benefits", method: .put, headers: .admin(key), body: .json(galaxy)) { response in
                #expect(response.status == .unprocessableContent)
            }
            let csv = "\(Self.header)\n\(a),\(a)-01,spouse,Côté,Marc,1996-02-11,,\n\(a),\(a)-02,child,Côté,Léa,2024-05-30,,\n"
            #expect(try await Self.putDependants(client, f, csv).status == .ok)
            var claims: [String] = []
            for patient in ["self", "\(a)01", "\(a)02", "self", "\(a)01", "\(a)02"] {
                var body = ClaimsFixture.claimBody(amount: 3_000)
                body["patient"] = patient
                claims.append(try await f.submit(client, body))
            }
            for id in claims { try await f.review(client, id) }
            let decided = try await withThrowingTaskGroup(of: (HTTPResponse.Status, Int?).self) { group in
                for id in claims {
                    group.addTask {
                        let response = try await f.admin(client, id, "decision", ["outcome": "approved"])
                        return (response.status, response.status == .ok ? try response.object()["approvedAmountCents"] as? Int : nil)
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let paid = decided.compactMap(\.1).reduce(0, +)
            #expect(paid == 10_000, "the family's maximum, exactly: \(decided)")
            #expect(decided.filter { $0.0 == .ok }.count == 4)
            #expect(decided.filter { $0.0 == .unprocessableContent }.count == 2)
            try #expect(await f.member.count(services, "SELECT coalesce(sum(approved_amount_cents), 0)::int FROM $S.claims WHERE category = 'dental'") == 10_000)

            // Vision is per person: the member and the spouse each get their whole 50 $.
            for patient in ["self", "\(a)01"] {
                var body = ClaimsFixture.claimBody(category: "vision", amount: 5_000)
                body["patient"] = patient
                let id = try await f.submit(client, body)
                try await f.review(client, id)
                let response = try await f.admin(client, id, "decision", ["outcome": "approved"])
                #expect(response.status == .ok)
                try #expect(response.object()["approvedAmountCents"] as? Int == 5_000)
            }
            let people = try #require(try await f.coverage(client)["people"] as? [[String: Any]])
            for person in people {
                let categories = try #require(person["categories"] as? [[String: Any]])
                #expect(categories[0]["usedCents"] as? Int == 10_000 && categories[0]["remainingCents"] as? Int == 0, "family dental for \(person["patient"] ?? "")")
                let vision = person["patient"] as? String == "\(a)02" ? 0 : 5_000
                #expect(categories[1]["usedCents"] as? Int == vision, "vision of \(person["patient"] ?? "")")
            }
        }
    }

    @Test(.tags(.submitDependantRequest, .addDependantRequestDocument, .listMyDependantRequests, .listDependantRequests, .decideDependantRequest, .listMyDependants))
    func enrolmentRequestsGoThroughTheirDecisionAuditedMailedAndAnnounced() async throws {
        try await TestEnvironment.withApp { client, services, key in
            let f = try await ClaimsFixture.make(client, services, key: key)
            _ = try await WebhookTests.Admin.created(client, key, f.slug, events: ["dependant_request.submitted", "dependant_request.decided", "roster.imported"])
            try await client.execute(uri: "/v1/admin/plans/\(f.slug)", method: .patch, headers: .admin(key), body: .json(["enrolmentWindowDays": 10])) { response in
                #expect(response.status == .ok)
                try #expect(response.object()["enrolmentWindowDays"] as? Int == 10)
            }
            let uri = "\(f.base)/me/dependants/requests"
            func submit(_ body: [String: Any], token: String? = nil) async throws -> TestResponse {
                try await client.execute(uri: uri, method: .post, headers: ClaimsFixture.member(token ?? f.tokenA), body: .json(body))
            }
            func request(_ first: String, born: String, event: String) -> [String: Any] {
                ["relationship": "child", "lastName": " Côté ", "firstName": first, "dateOfBirth": born, "eventDate": event]
            }
            // Bad input: every rule listed, nothing written.
            let invalid = try await submit(["relationship": "child", "lastName": "", "firstName": "Léa", "dateOfBirth": day(1), "eventDate": "2026-02-30"])
            #expect(invalid.status == .unprocessableContent)
            try #expect(invalid.problemCode() == "validation_failed")
            #expect(try (invalid.object()["errors"] as? [[String: Any]] ?? []).map { "\($0["field"] ?? "")/\($0["rule"] ?? "")" }
                == ["lastName/length", "dateOfBirth/date", "eventDate/format"])
            let early = try await submit(request("Léa", born: day(-30), event: day(-40)))
            try #expect(early.object()["errors"] as? [[String: Any]] != nil && early.problemCode() == "validation_failed")
            var cousin = request("Léa", born: day(-3), event: day(-3))
            cousin["relationship"] = "cousin"
            #expect(try await submit(cousin).status == .unprocessableContent)
            try await client.execute(uri: uri, method: .post, headers: ClaimsFixture.member(f.tokenA), body: ByteBuffer(string: "{")) { #expect($0.status == .badRequest) }
            try #expect(await f.member.count(services, "SELECT count(*) FROM $S.dependant_requests") == 0)

            // On time (the event 10 days ago) and late (11 days ago): flagged, not refused.
            let onTime = try await submit(request("Léa", born: day(-10), event: day(-10)))
            #expect(onTime.status == .created)
            let lea = try onTime.object()
            #expect(lea["late"] as? Bool == false && lea["status"] as? String == "submitted" && lea["lastName"] as? String == "Côté")
            let late = try await submit(request("Noé", born: day(-400), event: day(-11)))
            let noe = try late.object()
            #expect(late.status == .created && noe["late"] as? Bool == true)
            let leaID = try #require(lea["id"] as? String), noeID = try #require(noe["id"] as? String)

            // Proof documents, like receipts.
            let documents = "\(uri)/\(leaID)/documents"
            let pdf = ByteBuffer(bytes: Array("%PDF-1.7 acte de naissance".utf8))
            try await client.execute(uri: "\(documents)?filename=acte.pdf", method: .post, headers: ClaimsFixture.member(f.tokenA, json: false), body: pdf) { response in
                #expect(response.status == .created)
                try #expect(response.object()["contentType"] as? String == "application/pdf")
            }
            try await client.execute(uri: documents, method: .post, headers: ClaimsFixture.member(f.tokenA, json: false), body: ByteBuffer(string: "MZ exe")) { response in
                #expect(response.status == .unsupportedMediaType)
            }
            try await client.execute(uri: documents, method: .post, headers: ClaimsFixture.member(f.tokenB, json: false), body: pdf) { response in
                #expect(response.status == .notFound)
                try #expect(response.problemCode() == "dependant_request_not_found")
            }
            try await client.execute(uri: "\(documents)?filename=a/b", method: .post, headers: ClaimsFixture.member(f.tokenA, json: false), body: pdf) {
                #expect($0.status == .unprocessableContent)
            }

            try await client.execute(uri: uri, method: .get, headers: ClaimsFixture.member(f.tokenA, json: false)) { response in
                let items = try #require(try response.object()["items"] as? [[String: Any]])
                #expect(items.map { $0["id"] as? String } == [noeID, leaID])
                #expect((items[1]["documents"] as? [[String: Any]])?.first?["filename"] as? String == "acte.pdf")
                #expect(items[0]["certificateNumber"] == nil)
            }
            try await client.execute(uri: uri, method: .get, headers: ClaimsFixture.member(f.tokenB, json: false)) { response in
                try #expect((response.object()["items"] as? [Any])?.isEmpty == true)
            }
            let queue = "\(f.adminBase)/dependant-requests"
            try await client.execute(uri: "\(queue)?status=submitted&limit=1", method: .get, headers: .admin(key)) { response in
                #expect(response.status == .ok)
                let body = try response.object()
                let items = try #require(body["items"] as? [[String: Any]])
                #expect(items.map { $0["id"] as? String } == [noeID] && items[0]["certificateNumber"] as? String == f.member.certificate)
                let next = try #require(body["nextCursor"] as? String)
                try await client.execute(uri: "\(queue)?status=submitted&cursor=\(next)", method: .get, headers: .admin(key)) { page in
                    try #expect((page.object()["items"] as? [[String: Any]])?.map { $0["id"] as? String } == [leaID])
                }
            }
            try await client.execute(uri: "\(queue)?status=pending", method: .get, headers: .admin(key)) { #expect($0.status == .unprocessableContent) }

            // Decisions: bad bodies, an id another dependant has, then one winner of concurrent approvals.
            func decide(_ id: String, _ body: [String: Any]) async throws -> TestResponse {
                try await client.execute(uri: "\(queue)/\(id)/decision", method: .post, headers: .admin(key), body: .json(body))
            }
            for body: [String: Any] in [
                ["outcome": "maybe"], ["outcome": "denied", "dependantId": "X1"], ["outcome": "approved", "dependantId": "É!"],
                ["outcome": "approved", "coverageStart": "2026-05-01", "coverageEnd": "2026-04-01"], ["outcome": "approved", "extra": 1],
            ] {
                let response = try await decide(leaID, body)
                #expect(response.status == .unprocessableContent, "\(body)")
                try #expect(response.problemCode() == "validation_failed")
            }
            #expect(try await decide(UUID().uuidString, ["outcome": "denied"]).status == .notFound)
            #expect(try await decide("nope", ["outcome": "denied"]).status == .notFound)
            let csv = "\(Self.header)\nZ\(f.member.certificate),TAKEN1,child,Roy,Noé,2019-07-14,,\n"
            #expect(try await Self.putDependants(client, f, csv).status == .ok)
            let taken = try await decide(leaID, ["outcome": "approved", "dependantId": "taken-1"])
            #expect(taken.status == .conflict)
            try #expect(taken.problemCode() == "dependant_id_taken")

            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for _ in 0..<4 {
                    group.addTask { try await decide(leaID, ["outcome": "approved", "dependantId": "enf-01", "reason": "Acte reçu"]).status }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .ok }.count == 1 && statuses.filter { $0 == .conflict }.count == 3)
            let twice = try await decide(leaID, ["outcome": "denied"])
            #expect(twice.status == .conflict)
            try #expect(twice.problemCode() == "dependant_request_decided")
            try await client.execute(uri: documents, method: .post, headers: ClaimsFixture.member(f.tokenA, json: false), body: pdf) { response in
                #expect(response.status == .conflict)
                try #expect(response.problemCode() == "dependant_request_not_editable")
            }
            // The member reads English now: the denial's e-mail is in English.
            try await client.execute(uri: "\(f.base)/me", method: .patch, headers: ClaimsFixture.member(f.tokenA), body: .json(["locale": "en"])) {
                #expect($0.status == .ok)
            }
            let denied = try await decide(noeID, ["outcome": "denied", "reason": "Hors délai"])
            #expect(denied.status == .ok)
            try #expect(denied.object()["dependantId"] is NSNull && denied.object()["status"] as? String == "denied")

            try await client.execute(uri: "\(f.base)/me/dependants", method: .get, headers: ClaimsFixture.member(f.tokenA, json: false)) { response in
                let items = try #require(try response.object()["items"] as? [[String: Any]])
                #expect(items.map { $0["dependantId"] as? String } == ["ENF01"])
                #expect(items.first?["coverageStart"] as? String == day(-10) && items.first?["coverageEnd"] is NSNull)
            }
            try await client.execute(uri: uri, method: .get, headers: ClaimsFixture.member(f.tokenA, json: false)) { response in
                let items = try #require(try response.object()["items"] as? [[String: Any]])
                #expect(items.map { $0["status"] as? String } == ["denied", "approved"])
                #expect(items[1]["dependantId"] as? String == "ENF01" && items[1]["reason"] as? String == "Acte reçu")
            }

            let audit = try await services.postgres.query(PostgresQuery(unsafeSQL:
                "SELECT action, details->>'outcome' FROM \(PlanSlug(f.slug)!.quotedSchema).audit_events WHERE action LIKE 'dependant_request.%' ORDER BY id"))
            var actions: [String] = []
            for try await (action, outcome) in audit.decode((String, String?).self) { actions.append("\(action)=\(outcome ?? "")") }
            #expect(actions == [
                "dependant_request.submitted=\(leaID)", "dependant_request.submitted=\(noeID)", "dependant_request.document_added=\(leaID)",
                "dependant_request.decided=approved", "dependant_request.decided=denied",
            ])
            let mails = try await services.postgres.query(
                "SELECT kind, to_address, body_text FROM control.outbox WHERE plan_slug = \(f.slug) AND kind LIKE 'dependant_request_%' ORDER BY id"
            )
            var sent: [(String, String?, String?)] = []
            for try await row in mails.decode((String, String?, String?).self) { sent.append(row) }
            #expect(sent.map(\.0) == ["dependant_request_submitted", "dependant_request_submitted", "dependant_request_approved", "dependant_request_denied"])
            #expect(sent.allSatisfy { $0.1 == f.member.email })
            #expect(sent[1].2?.contains("plus de 10 jours") == true, "the late request's acknowledgement says so")
            #expect(sent[2].2?.contains("ENF01") == true && sent[2].2?.contains("approuvée") == true)
            #expect(sent[3].2?.contains("was denied") == true && sent[3].2?.contains("Hors délai") == true)
            #expect(sent.allSatisfy { !($0.2 ?? "").contains(day(-10)) && !($0.2 ?? "").contains(day(-400)) }, "no date of birth in e-mails")

            let events = try await services.postgres.query(PostgresQuery(unsafeSQL:
                "SELECT type, body FROM \(PlanSlug(f.slug)!.quotedSchema).webhook_events ORDER BY occurred_at, type"))
            var bodies: [String: [String]] = [:]
            for try await (type, body) in events.decode((String, String).self) { bodies[type, default: []].append(body) }
            #expect(bodies["dependant_request.submitted"]?.count == 2)
            #expect(bodies["dependant_request.decided"]?.count == 2)
            #expect(bodies["roster.imported"]?.first?.contains("\"roster\":\"dependants\"") == true)
            let all = bodies.values.flatMap { $0 }
            #expect(all.allSatisfy { !$0.contains(day(-10)) && !$0.contains(day(-400)) && !$0.contains("2019-07-14") && !$0.contains("dateOfBirth") })
            #expect(bodies["dependant_request.decided"]?.contains { $0.contains("\"dependantId\":\"ENF01\"") && $0.contains(f.member.certificate) } == true)
        }
    }

    /// Proof documents come back as their bytes: to their member, and to the TPA deciding the
    /// request (each TPA read audited); nobody else's request, and no other request's id, opens one.
    @Test(.tags(.getDependantRequestDocument, .getPlanDependantRequestDocument, .addDependantRequestDocument))
    func proofDocumentsAreReadByTheirMemberAndTheTPA() async throws {
        try await TestEnvironment.withApp { client, services, key in
            let f = try await ClaimsFixture.make(client, services, key: key)
            let uri = "\(f.base)/me/dependants/requests"
            func submit(_ first: String) async throws -> String {
                let response = try await client.execute(uri: uri, method: .post, headers: ClaimsFixture.member(f.tokenA), body: .json([
                    "relationship": "spouse", "lastName": "Roy", "firstName": first, "dateOfBirth": "1990-05-01", "eventDate": day(-2),
                ]))
                #expect(response.status == .created)
                return try #require(response.object()["id"] as? String)
            }
            let requestID = try await submit("Marie"), otherRequestID = try await submit("Anne")
            let pdf = Array("%PDF-1.7 certificat de mariage".utf8)
            let upload = try await client.execute(
                uri: "\(uri)/\(requestID)/documents?filename=mariage.pdf", method: .post, headers: ClaimsFixture.member(f.tokenA, json: false), body: ByteBuffer(bytes: pdf)
            )
            #expect(upload.status == .created)
            let documentID = try #require(upload.object()["id"] as? String)

            let mine = "\(uri)/\(requestID)/documents/\(documentID)"
            try await client.execute(uri: mine, method: .get, headers: ClaimsFixture.member(f.tokenA, json: false)) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/pdf")
                #expect(response.headers[.contentDisposition]?.hasPrefix("attachment") == true)
                #expect(response.headers[.cacheControl] == "no-store")
                #expect(Array(response.body.readableBytesView) == pdf)
            }
            for (path, token) in [
                (mine, f.tokenB),                                                       // another member
                ("\(uri)/\(otherRequestID)/documents/\(documentID)", f.tokenA),           // another request of the same member
                ("\(uri)/\(requestID)/documents/\(UUID().uuidString.lowercased())", f.tokenA), // no such document
                ("\(uri)/\(requestID)/documents/not-an-id", f.tokenA),
            ] {
                try await client.execute(uri: path, method: .get, headers: ClaimsFixture.member(token, json: false)) { response in
                    #expect(response.status == .notFound, "\(path)")
                    try #expect(response.problemCode() == "attachment_not_found")
                }
            }
            try await client.execute(uri: mine, method: .get) { #expect($0.status == .unauthorized) }

            let tpa = "\(f.adminBase)/dependant-requests/\(requestID)/documents/\(documentID)"
            try #expect(await f.member.count(services, "SELECT count(*) FROM $S.audit_events WHERE action = 'dependant_request.document_viewed'") == 0)
            try await client.execute(uri: tpa, method: .get, headers: .admin(key)) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/pdf")
                #expect(Array(response.body.readableBytesView) == pdf)
            }
            try #expect(await f.member.count(services, "SELECT count(*) FROM $S.audit_events WHERE action = 'dependant_request.document_viewed' AND details->>'outcome' = '\(requestID)' AND details->>'memberId' IS NOT NULL") == 1)
            try await client.execute(uri: "\(f.adminBase)/dependant-requests/\(otherRequestID)/documents/\(documentID)", method: .get, headers: .admin(key)) { response in
                #expect(response.status == .notFound)
                try #expect(response.problemCode() == "attachment_not_found")
            }
            try await client.execute(uri: tpa, method: .get) { #expect($0.status == .unauthorized) }
            // A failed read is not recorded as one.
            try #expect(await f.member.count(services, "SELECT count(*) FROM $S.audit_events WHERE action = 'dependant_request.document_viewed'") == 1)
        }
    }

    @Test(.tags(.submitDependantRequest))
    func aMemberHasAtMostTenRequestsAwaitingADecision() async throws {
        try await TestEnvironment.withApp { client, services, key in
            let f = try await ClaimsFixture.make(client, services, key: key)
            let body = ByteBuffer.json(["relationship": "spouse", "lastName": "Roy", "firstName": "Marc", "dateOfBirth": "1990-01-01", "eventDate": day(-1)])
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for _ in 0..<12 {
                    group.addTask {
                        try await client.execute(uri: "\(f.base)/me/dependants/requests", method: .post, headers: ClaimsFixture.member(f.tokenA), body: body) { response -> HTTPResponse.Status in
                            if response.status == .unprocessableContent { try #expect(response.problemCode() == "dependant_request_limit_reached") }
                            return response.status
                        }
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .created }.count == DependantLimits.pendingRequests)
            #expect(statuses.filter { $0 == .unprocessableContent }.count == 12 - DependantLimits.pendingRequests)
            // Member B is not counted with A.
            try await client.execute(uri: "\(f.base)/me/dependants/requests", method: .post, headers: ClaimsFixture.member(f.tokenB), body: body) {
                #expect($0.status == .created)
            }
        }
    }

    /// Privacy: a dependant's date of birth reaches no log line, whatever the step (a file with a
    /// bad line, a request, a refused request, a decision, the family's reads).
    @Test func datesOfBirthOfDependantsNeverReachTheLogs() async throws {
        let capture = LogCapture()
        try await TestEnvironment.withApp(logger: capture.logger) { client, services, key in
            let f = try await ClaimsFixture.make(client, services, key: key)
            let a = f.member.certificate
            let bad = "\(Self.header)\n\(a),\(a)-01,spouse,Côté,Marc,1996-02-11,,\nNOBODY,X1,child,Roy,Léa,2017-03-04,,\n"
            #expect(try await Self.putDependants(client, f, bad).status == .unprocessableContent)
            #expect(try await Self.putDependants(client, f, "\(Self.header)\n\(a),\(a)-01,spouse,Côté,Marc,1996-02-11,,\n").status == .ok)
            let uri = "\(f.base)/me/dependants/requests"
            let request: [String: Any] = ["relationship": "child", "lastName": "Côté", "firstName": "Léa", "dateOfBirth": "2016-08-09", "eventDate": "2016-08-09"]
            let created = try await client.execute(uri: uri, method: .post, headers: ClaimsFixture.member(f.tokenA), body: .json(request))
            #expect(created.status == .created)
            var refused = request
            refused["eventDate"] = "2015-01-02"
            #expect(try await client.execute(uri: uri, method: .post, headers: ClaimsFixture.member(f.tokenA), body: .json(refused)).status == .unprocessableContent)
            let id = try #require(try created.object()["id"] as? String)
            try await client.execute(uri: "\(f.adminBase)/dependant-requests/\(id)/decision", method: .post, headers: .admin(key), body: .json(["outcome": "approved"])) {
                #expect($0.status == .ok)
            }
            #expect(try await client.execute(uri: "\(f.base)/me/dependants", method: .get, headers: ClaimsFixture.member(f.tokenA, json: false)).status == .ok)
            #expect(try await client.execute(uri: "\(f.adminBase)/members/\(a)", method: .get, headers: .admin(key)).status == .ok)
        }
        let lines = capture.all
        #expect(!lines.isEmpty)
        for date in ["1996-02-11", "2017-03-04", "2016-08-09", "2015-01-02"] {
            #expect(lines.allSatisfy { !$0.contains(date) }, "\(date) logged")
        }
    }
}
