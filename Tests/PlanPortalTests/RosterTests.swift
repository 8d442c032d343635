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

/// The byte-level reading of roster files (CSVReader, the fast paths of MatchKey, trimming and
/// dates) gives what the general rules give, whatever the pieces a file arrives in.
@Suite struct RosterReadingTests {
    static let tricky = "\u{FEFF}a,\"b\"\"c\",d\r\n"
        + "\"multi\nline\",x\"y,\"closed\"after\r\n"
        + "\n"
        + "  spaced ,\"\",\"\"\"\"\r\n"
        + "é,ü\r,\"\r\"\n"
        + "\"open at the end"

    static func records(_ text: String, chunk: Int) -> [RosterCSV.Record] {
        var reader = CSVReader()
        var records: [RosterCSV.Record] = []
        let keep = { (r: CSVReader.Record) in records.append(.init(line: r.line, fields: (0..<r.count).map(r.string))) }
        let bytes = Array(text.utf8)
        var start = 0
        while start < bytes.count {
            let end = min(start + chunk, bytes.count)
            bytes[start..<end].withUnsafeBytes { reader.feed($0, keep) }
            start = end
        }
        reader.finish(keep)
        #expect(reader.isValidUTF8)
        return records
    }

    @Test func readsRecordsTheSameInPiecesOfAnySize() {
        let whole = Self.records(Self.tricky, chunk: .max)
        #expect(whole.map(\.line) == [1, 2, 4, 5, 6, 7])
        #expect(whole.map(\.fields) == [
            ["a", "b\"c", "d"],
            ["multi\nline", "x\"y", "closedafter"],
            [""],
            ["  spaced ", "", "\""],
            ["é", "ü", "\r"],
            ["open at the end"],
        ])
        for chunk in 1...Self.tricky.utf8.count {
            let pieces = Self.records(Self.tricky, chunk: chunk)
            #expect(pieces.map(\.fields) == whole.map(\.fields), "pieces of \(chunk) bytes")
            #expect(pieces.map(\.line) == whole.map(\.line), "pieces of \(chunk) bytes")
        }
        #expect(RosterCSV.split("x\n").count == 1, "a final line feed ends the last record")
        #expect(RosterCSV.split("").isEmpty && RosterCSV.split("\r").isEmpty)
    }

    @Test func aFileThatIsNotUTF8HasThatOneProblemWhereverItIs() {
        // Valid rows but for one byte deep inside, and a bad line before it: only not_utf8.
        var bytes = Array("certificate_number,last_name,first_name,date_of_birth\n,Roy,Luc,1990-01-01\n".utf8)
        for i in 0..<2000 { bytes += Array("C\(i),Côté,Émilie,1990-01-01\n".utf8) }
        let good = bytes
        bytes += [0x43, 0x39, 0x2C, 0xC3, 0x28, 0x0A]  // "C9," then a broken two-byte sequence
        for chunk in [1, 7, 4096, bytes.count] {
            var parser = RosterCSV.Parser()
            var start = 0
            while start < bytes.count {
                let end = min(start + chunk, bytes.count)
                bytes[start..<end].withUnsafeBytes { parser.feed($0) { _ in } }
                start = end
            }
            #expect(parser.finish { _ in }?.lines == [.init(line: 1, field: nil, reason: "not_utf8")], "pieces of \(chunk) bytes")
        }
        // Accented letters split across pieces are fine: only the bad line is reported.
        var parser = RosterCSV.Parser()
        var rows = 0
        for byte in good { [byte].withUnsafeBytes { parser.feed($0) { _ in rows += 1 } } }
        #expect(parser.finish { _ in rows += 1 }?.lines == [.init(line: 2, field: "certificate_number", reason: "required")])
        #expect(rows == 0, "no row is handed over once the file is known to be refused")
    }

    @Test func matchKeysOfLatinNamesAreFoundationsFolding() {
        var generator = SystemRandomNumberGenerator()
        let alphabet: [Unicode.Scalar] = (0x09...0x09).compactMap(Unicode.Scalar.init)
            + (0x20...0x7E).compactMap(Unicode.Scalar.init) + (0xA0...0x24F).compactMap(Unicode.Scalar.init)
            + (0x2010...0x2019).compactMap(Unicode.Scalar.init)
            + ["\u{301}", "\u{308}", "\u{327}", "\u{FF21}", "\u{FB01}", "\u{3B1}", "\u{1E9E}", "\u{200B}", "\u{0D}", "\u{0A}"]
        for scalar in alphabet {
            let text = String(Character(scalar))
            #expect(MatchKey.name(text) == MatchKey.foldedName(text), "U+\(String(scalar.value, radix: 16))")
        }
        for _ in 0..<20_000 {
            var text = ""
            for _ in 0..<Int.random(in: 0...12, using: &generator) {
                // Mostly letters a roster holds, sometimes anything of the alphabet.
                let scalar = Bool.random(using: &generator) ? alphabet[Int.random(in: 0..<alphabet.count, using: &generator)]
                    : Array("CôtéLévesque-D’Amours'Müller ÆßŒ".unicodeScalars).randomElement(using: &generator)!
                text.unicodeScalars.append(scalar)
            }
            #expect(MatchKey.name(text) == MatchKey.foldedName(text), "\(Array(text.unicodeScalars.map(\.value)))")
        }
        #expect(MatchKey.name("Côté-Lévesque") == "cotelevesque")
        #expect(MatchKey.certificate("ab-12 345") == "AB12345")
        #expect(MatchKey.certificate("ab–1ß") == "AB1SS", "non-ASCII certificates keep the general rule")
    }

    @Test func trimmingIsFoundationsTrimming() {
        var generator = SystemRandomNumberGenerator()
        let pieces = [" ", "\t", "\n", "\r", "\u{0B}", "\u{0C}", "\u{85}", "\u{A0}", "\u{2028}", "\u{2029}", "\u{200B}", "\u{3000}",
                      "\u{301}", "a", "é", "Z", "-", "\u{1F600}", "\u{FEFF}"]
        for _ in 0..<20_000 {
            var text = ""
            for _ in 0..<Int.random(in: 0...6, using: &generator) { text += pieces.randomElement(using: &generator)! }
            #expect(text.trimmedWhitespace(newlines: false) == text.trimmingCharacters(in: .whitespaces), "\(Array(text.unicodeScalars.map(\.value)))")
            #expect(text.trimmedWhitespace(newlines: true) == text.trimmingCharacters(in: .whitespacesAndNewlines), "\(Array(text.unicodeScalars.map(\.value)))")
        }
    }

    @Test func calendarDatesWithDigitsOnly() {
        #expect(CalendarDate.parse("2000-02-29") == "2000-02-29")
        #expect(CalendarDate.parse("1900-02-29") == nil)
        #expect(CalendarDate.parse("2004-02-29") == "2004-02-29")
        #expect(CalendarDate.parse("2001-02-29") == nil)
        #expect(CalendarDate.parse("2001-04-31") == nil && CalendarDate.parse("2001-04-30") == "2001-04-30")
        #expect(CalendarDate.parse("2001-12-31") == "2001-12-31" && CalendarDate.parse("2001-13-01") == nil)
        #expect(CalendarDate.parse("2001-00-10") == nil && CalendarDate.parse("2001-01-00") == nil)
        #expect(CalendarDate.parse("2001-1-010") == nil && CalendarDate.parse("2001/01/01") == nil && CalendarDate.parse("２００１-01-01") == nil)
        #expect(CalendarDate.isValidPast("1899-12-31", today: "2026-01-01") == false)
        #expect(CalendarDate.isValidPast("2026-01-01", today: "2026-01-01") && !CalendarDate.isValidPast("2026-01-02", today: "2026-01-01"))
    }
}

/// A roster of tens of thousands of lines, through the API and the command line.
@Suite struct LargeRosterTests {
    static let lastNames = ["Tremblay", "Côté", "Lévesque", "O'Connor", "D’Amours", "Gagnon", "Bélanger", "Nguyen", "St-Pierre", "Müller"]
    static let firstNames = ["Jeanne", "Émilie", "Marc-André", "Zoë", "Luc", "Anne-Sophie", "Noé", "Wei"]

    /// `count` members with every column; line n + 1 holds member n.
    static func file(_ count: Int, prefix: String) -> String {
        var text = "certificate_number,last_name,first_name,date_of_birth,email,coverage_status,coverage_start,coverage_end\r\n"
        for n in 0..<count {
            let last = lastNames[n % lastNames.count], first = firstNames[n % firstNames.count]
            let certificate = n % 7 == 0 ? "\(prefix.lowercased())-\(n)" : "\(prefix)\(n)"
            let email = n % 3 == 0 ? "" : "m\(n)@Example.ca"
            let status = ["", "active", "suspended", "terminated"][n % 4]
            let last1 = n % 5 == 0 ? "\"\(last), Jr\"" : last
            text += "\(certificate),\(last1),\(first),19\(60 + n % 40)-0\(1 + n % 9)-1\(n % 10),\(email),\(status),2025-09-01,\(n % 2 == 0 ? "2026-08-31" : "")\r\n"
        }
        return text
    }

    static func members(_ services: AppServices, _ slug: String) async throws -> (count: Int, sample: [[String]]) {
        let plan = PlanSlug(slug)!
        let rows = try await services.postgres.query(
            """
            SELECT certificate_number, last_name, first_name, last_name_key, first_name_key, date_of_birth::text, coalesce(email, ''),
                   coverage_status, coalesce(coverage_start::text, ''), coalesce(coverage_end::text, '')
            FROM \(schema: plan).members WHERE certificate_number IN ('R0', 'R1', 'R12345', 'R29999') ORDER BY certificate_number
            """
        )
        var sample: [[String]] = []
        for try await row in rows.decode((String, String, String, String, String, String, String, String, String, String).self) {
            sample.append([row.0, row.1, row.2, row.3, row.4, row.5, row.6, row.7, row.8, row.9])
        }
        let counted = try await services.postgres.query("SELECT count(*) FROM \(schema: plan).members")
        var count = 0
        for try await n in counted.decode(Int.self) { count = n }
        return (count, sample)
    }

    static let expectedSample = [
        ["R0", "Tremblay, Jr", "Jeanne", "tremblay,jr", "jeanne", "1960-01-10", "", "active", "2025-09-01", "2026-08-31"],
        ["R1", "Côté", "Émilie", "cote", "emilie", "1961-02-11", "m1@example.ca", "active", "2025-09-01", ""],
        ["R12345", "Gagnon, Jr", "Émilie", "gagnon,jr", "emilie", "1985-07-15", "", "active", "2025-09-01", ""],
        ["R29999", "Müller", "Wei", "muller", "wei", "1999-03-19", "m29999@example.ca", "terminated", "2025-09-01", ""],
    ]

    @Test(.tags(.importRoster)) func importsThirtyThousandMembersThroughTheAPI() async throws {
        try await TestEnvironment.withApp { client, services, key in
            let slug = TestEnvironment.uniqueSlug("large")
            try await client.execute(uri: "/v1/admin/plans", method: .post, headers: .admin(key), body: .json(planBody(slug: slug))) {
                #expect($0.status == .created)
            }
            let headers: HTTPFields = [.authorization: "Bearer \(key)", .contentType: "text/csv"]
            try await client.execute(uri: "/v1/admin/plans/\(slug)/roster", method: .put, headers: headers, body: ByteBuffer(string: Self.file(30_000, prefix: "R"))) { response in
                #expect(response.status == .ok)
                let counts = try response.object()
                #expect(counts["inserted"] as? Int == 30_000)
                #expect(counts["updated"] as? Int == 0)
            }
            let (count, sample) = try await Self.members(services, slug)
            #expect(count == 30_000)
            #expect(sample == Self.expectedSample)

            // The same file again changes nothing; one line changed is one update.
            var again = Self.file(30_000, prefix: "R")
            again = again.replacingOccurrences(of: "R29999,Müller,Wei,1999-03-19", with: "R29999,Müller,Wei,1999-03-18")
            try await client.execute(uri: "/v1/admin/plans/\(slug)/roster", method: .put, headers: headers, body: ByteBuffer(string: again)) { response in
                #expect(response.status == .ok)
                let counts = try response.object()
                #expect(counts["inserted"] as? Int == 0)
                #expect(counts["updated"] as? Int == 1)
                #expect(counts["unchanged"] as? Int == 29_999)
            }
        }
    }

    @Test(.tags(.importRoster)) func refusesALargeFileForBadLinesDeepInsideAndAppliesNothing() async throws {
        try await TestEnvironment.withApp { client, services, key in
            let slug = TestEnvironment.uniqueSlug("large")
            try await client.execute(uri: "/v1/admin/plans", method: .post, headers: .admin(key), body: .json(planBody(slug: slug))) {
                #expect($0.status == .created)
            }
            var lines = Self.file(30_000, prefix: "R").components(separatedBy: "\r\n")
            lines[25_001] = "R25000,Gagnon,Luc,1990-02-30,,,,"          // member 25000: no such date
            lines[29_001] = "R1,Gagnon,Luc,1990-02-10,,,,"              // member 29000: certificate of line 3
            let headers: HTTPFields = [.authorization: "Bearer \(key)", .contentType: "text/csv"]
            try await client.execute(uri: "/v1/admin/plans/\(slug)/roster", method: .put, headers: headers, body: ByteBuffer(string: lines.joined(separator: "\r\n"))) { response in
                #expect(response.status == .unprocessableContent)
                let problem = try response.object()
                #expect(problem["code"] as? String == "roster_invalid")
                let errors = try #require(problem["errors"] as? [[String: Any]])
                #expect(errors.compactMap { $0["line"] as? Int } == [25_002, 29_002])
                #expect(errors.compactMap { $0["rule"] as? String } == ["invalid_date", "duplicate_of_line_3"])
            }
            #expect(try await Self.members(services, slug).count == 0)
            let page = try await services.audit.list(plan: PlanSlug(slug)!, limit: 10, before: nil)
            #expect(!page.items.contains { $0.action == "roster.imported" })
        }
    }

    @Test(.tags(.importRoster)) func theCommandLineImportsALargeFileReadPieceByPiece() async throws {
        let slug = try await TestEnvironment.withServices { services in
            let input = try PlanCreateInput(slug: TestEnvironment.uniqueSlug("cli"), nameFr: "R", nameEn: "R", emailDomains: ["example.ca"], portalUrl: "https://portal.example.ca").validated()
            return try await services.plans.create(input, audit: NewAuditEvent(action: "plan.created", actor: .system)).slug.value
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("roster-\(slug).csv")
        // Over 1 MiB, so that it is read in several pieces.
        try Data(Self.file(30_000, prefix: "R").utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        func run(_ path: String) async throws -> ChildProcess.Finished {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: try ServerProcess.binary())
            process.arguments = ["roster", "import", "--plan", slug, path]
            var env = ProcessInfo.processInfo.environment
            env["DATABASE_URL"] = try TestEnvironment.databaseURL()
            env["ASSETS_DIR"] = repositoryRoot.path
            env["LOG_LEVEL"] = "error"
            process.environment = env
            return try await ChildProcess.run(process)
        }
        #expect(try Data(contentsOf: file).count > 1 << 20)
        let first = try await run(file.path)
        #expect(first.status == 0)
        #expect(first.output == "inserted 30000, updated 0, unchanged 0\n")
        try await TestEnvironment.withServices { services in
            let (count, sample) = try await Self.members(services, slug)
            #expect(count == 30_000)
            #expect(sample == Self.expectedSample)
        }
        // A bad line near the end: refused with its line number, nothing changed.
        var bad = Self.file(30_000, prefix: "R")
        bad += "R30000,Roy,,1990-01-01,,,,\r\n"
        try Data(bad.utf8).write(to: file)
        let refused = try await run(file.path)
        #expect(refused.status != 0)
        #expect(refused.errors.contains("roster_invalid"))
        #expect(refused.errors.contains("line 30002: first_name: required"))
        #expect(try await run(file.path + ".missing").status != 0)
        let after = try await TestEnvironment.withServices { services in try await Self.members(services, slug).count }
        #expect(after == 30_000, "a refused file changes nothing")
    }
}
