import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PostgresNIO
import Testing

@testable import PlanPortal

@Suite struct RosterCSVTests {
    @Test func parsesQuotedFieldsAnyColumnOrderAndNormalises() throws {
        let csv = "\u{FEFF}last_name,certificate_number,first_name,date_of_birth,email\r\n"
            + "\"Côté-Lévesque, Jr\",ab-12 345,Émilie,1999-02-28,Emilie.Cote@UMontreal.ca\r\n"
            + "O'Brien,XY999,\"Seán\",2000-02-29,\n"
        let rows = try RosterCSV.parse(csv).get()
        #expect(rows.count == 2)
        #expect(rows[0] == RosterRow(certificateNumber: "AB12345", lastName: "Côté-Lévesque, Jr", firstName: "Émilie", dateOfBirth: "1999-02-28", email: "emilie.cote@umontreal.ca"))
        #expect(rows[1].email == nil)
        #expect(MatchKey.name("Côté-Lévesque") == MatchKey.name("cote levesque"))
        #expect(MatchKey.name("O’Brien") == "obrien")
    }

    @Test func reportsEveryBadLine() {
        let csv = """
            certificate_number,last_name,first_name,date_of_birth
            A1,Tremblay,Jeanne,1990-01-01
            ,Roy,Luc,1990-01-01
            A2,Gagnon,Marie,1990-02-30
            a-1,Dupuis,Paul,1991-05-05
            A3,Bouchard
            A4,Morin,Anne,2999-01-01
            """
        guard case .failure(let errors) = RosterCSV.parse(csv) else {
            Issue.record("expected errors")
            return
        }
        #expect(errors.lines == [
            .init(line: 3, field: "certificate_number", reason: "required"),
            .init(line: 4, field: "date_of_birth", reason: "invalid_date"),
            .init(line: 5, field: "certificate_number", reason: "duplicate_of_line_2"),
            .init(line: 6, field: nil, reason: "wrong_field_count"),
            .init(line: 7, field: "date_of_birth", reason: "invalid_date"),
        ])
    }

    @Test func checksTheHeader() {
        guard case .failure(let errors) = RosterCSV.parse("certificate_number,last_name,dob,colour\n") else {
            Issue.record("expected errors")
            return
        }
        #expect(Set(errors.lines.map(\.reason)) == ["unknown_column", "missing_column"])
        #expect(errors.lines.allSatisfy { $0.line == 1 })
    }
}

@Suite struct RosterImportTests {
    func csvHeaders(_ key: String) -> HTTPFields {
        [.authorization: "Bearer \(key)", .contentType: "text/csv"]
    }

    @Test(.tags(.importRoster)) func upsertsByCertificateAndCounts() async throws {
        try await TestEnvironment.withApp { client, services, key in
            let slug = TestEnvironment.uniqueSlug("roster")
            try await client.execute(uri: "/v1/admin/plans", method: .post, headers: .admin(key), body: .json(planBody(slug: slug))) {
                #expect($0.status == .created)
            }
            let first = """
                certificate_number,last_name,first_name,date_of_birth,email
                100 200,Tremblay,Jeanne,1998-04-01,jeanne@example.ca
                100201,Roy,Luc,1997-11-30,
                100202,Gagnon,Marie,2001-01-15,
                """
            try await client.execute(uri: "/v1/admin/plans/\(slug)/roster", method: .put, headers: csvHeaders(key), body: ByteBuffer(string: first)) { response in
                #expect(response.status == .ok)
                let counts = try response.object()
                #expect(counts["inserted"] as? Int == 3)
                #expect(counts["updated"] as? Int == 0)
                #expect(counts["unchanged"] as? Int == 0)
            }
            let second = """
                certificate_number,last_name,first_name,date_of_birth
                100200,Tremblay,Jeanne,1998-04-02
                100201,Roy,Luc,1997-11-30
                100203,Côté,Émile,1999-09-09
                """
            try await client.execute(uri: "/v1/admin/plans/\(slug)/roster", method: .put, headers: csvHeaders(key), body: ByteBuffer(string: second)) { response in
                #expect(response.status == .ok)
                let counts = try response.object()
                #expect(counts["inserted"] as? Int == 1)
                #expect(counts["updated"] as? Int == 1)
                #expect(counts["unchanged"] as? Int == 1)
            }
            let plan = PlanSlug(slug)!
            let rows = try await services.postgres.query(
                "SELECT certificate_number, date_of_birth::text, first_name_key FROM \(schema: plan).members ORDER BY certificate_number"
            )
            var members: [(String, String, String)] = []
            for try await row in rows.decode((String, String, String).self) { members.append(row) }
            #expect(members.map(\.0) == ["100200", "100201", "100202", "100203"], "members absent from the second file are kept")
            #expect(members[0].1 == "1998-04-02")
            #expect(members[3].2 == "emile")
            let page = try await services.audit.list(plan: plan, limit: 10, before: nil)
            #expect(page.items.filter { $0.action == "roster.imported" }.count == 2)
        }
    }

    @Test(.tags(.importRoster)) func rejectsABadFileWithoutApplyingAnyLine() async throws {
        try await TestEnvironment.withApp { client, services, key in
            let slug = TestEnvironment.uniqueSlug("roster")
            try await client.execute(uri: "/v1/admin/plans", method: .post, headers: .admin(key), body: .json(planBody(slug: slug))) {
                #expect($0.status == .created)
            }
            let bad = """
                certificate_number,last_name,first_name,date_of_birth
                200100,Valid,Person,1990-01-01
                200101,,Nameless,1990-01-01
                200100,Twice,Listed,1990-01-01
                """
            try await client.execute(uri: "/v1/admin/plans/\(slug)/roster", method: .put, headers: csvHeaders(key), body: ByteBuffer(string: bad)) { response in
                #expect(response.status == .unprocessableContent)
                let problem = try response.object()
                #expect(problem["code"] as? String == "roster_invalid")
                let errors = try #require(problem["errors"] as? [[String: Any]])
                #expect(errors.compactMap { $0["line"] as? Int } == [3, 4])
                #expect(errors.compactMap { $0["rule"] as? String } == ["required", "duplicate_of_line_2"])
                #expect(!String(buffer: response.body).contains("Twice"), "problems never echo member data")
            }
            let rows = try await services.postgres.query("SELECT count(*) FROM \(schema: PlanSlug(slug)!).members")
            for try await count in rows.decode(Int.self) { #expect(count == 0) }

            try await client.execute(uri: "/v1/admin/plans/\(slug)/roster", method: .put, headers: .admin(key), body: ByteBuffer(string: bad)) { response in
                #expect(response.status == .unsupportedMediaType)
            }
            let other = TestEnvironment.uniqueSlug("other")
            try await client.execute(uri: "/v1/admin/plans", method: .post, headers: .admin(key), body: .json(planBody(slug: other))) {
                #expect($0.status == .created)
            }
            let (_, tpaKey) = try await services.adminKeys.create(name: "tpa", role: .planAdmin, plans: [PlanSlug(other)!])
            try await client.execute(uri: "/v1/admin/plans/\(slug)/roster", method: .put, headers: csvHeaders(tpaKey), body: ByteBuffer(string: bad)) { response in
                #expect(response.status == .notFound, "a TPA cannot load another plan's roster")
            }
        }
    }
}
