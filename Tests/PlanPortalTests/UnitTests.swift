import Foundation
import Testing

@testable import PlanPortal

@Suite struct PlanSlugTests {
    @Test(arguments: ["ramu-udem", "abc", "a1b", "uhip-uoft-2026", String(repeating: "a", count: 40)])
    func acceptsValidSlugs(_ raw: String) throws {
        let slug = try #require(PlanSlug(raw))
        #expect(slug.schemaName == "plan_" + raw.replacingOccurrences(of: "-", with: "_"))
        #expect(slug.quotedSchema == "\"\(slug.schemaName)\"")
    }

    /// In JSON a slug is its string alone (the schema names written once per slug are not encoded).
    @Test func encodesAsItsStringAlone() throws {
        let slug = try #require(PlanSlug("ramu-udem"))
        #expect(String(decoding: try JSONEncoder().encode([slug]), as: UTF8.self) == #"["ramu-udem"]"#)
        #expect(try JSONDecoder().decode([PlanSlug].self, from: Data(#"["ramu-udem"]"#.utf8)) == [slug])
        #expect(throws: (any Error).self) { try JSONDecoder().decode([PlanSlug].self, from: Data(#"["Ramu"]"#.utf8)) }
    }

    @Test(arguments: ["", "ab", "1abc", "-abc", "abc-", "Abc", "ab_c", "ab c", "abc\";drop", "é-abc", String(repeating: "a", count: 41)])
    func rejectsInvalidSlugs(_ raw: String) {
        #expect(PlanSlug(raw) == nil)
        #expect(throws: Problem.self) { try PlanSlug.parse(raw) }
    }
}

@Suite struct LanguageTests {
    @Test func negotiatesByQuality() {
        #expect(Language.negotiate(nil) == .fr)
        #expect(Language.negotiate("") == .fr)
        #expect(Language.negotiate("de-DE") == .fr)
        #expect(Language.negotiate("en-CA") == .en)
        #expect(Language.negotiate("fr-CA,en;q=0.8") == .fr)
        #expect(Language.negotiate("fr;q=0.3, en;q=0.9") == .en)
        #expect(Language.negotiate("en;q=0, fr") == .fr)
    }
}

@Suite struct EmailAddressTests {
    @Test func domains() {
        #expect(EmailAddress.isValidDomain("umontreal.ca"))
        #expect(EmailAddress.isValidDomain("mail.utoronto.ca"))
        #expect(!EmailAddress.isValidDomain("localhost"))
        #expect(!EmailAddress.isValidDomain("-bad.ca"))
        #expect(!EmailAddress.isValidDomain("bad..ca"))
        #expect(!EmailAddress.isValidDomain("UPPER.CA"))
    }

    @Test func addresses() {
        #expect(EmailAddress.isValid("jeanne.tremblay@umontreal.ca"))
        #expect(!EmailAddress.isValid("jeanne@@umontreal.ca"))
        #expect(!EmailAddress.isValid(".jeanne@umontreal.ca"))
        #expect(!EmailAddress.isValid("jeanne"))
    }
}

@Suite struct OpenAPIDocumentTests {
    @Test func convertsYAMLScalarsByStyle() throws {
        let yaml = """
            a: 1
            b: '200'
            c: true
            d: 2026-01-02
            e: "x\\ny"
            f: ~
            g: [1.5, -3, abc]
            """
        let document = try OpenAPIDocument(yaml: yaml)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(document.json.utf8)) as? [String: Any])
        #expect(object["a"] as? Int == 1)
        #expect(object["b"] as? String == "200")
        #expect(object["c"] as? Bool == true)
        #expect(object["d"] as? String == "2026-01-02")
        #expect(object["e"] as? String == "x\ny")
        #expect(object["f"] is NSNull)
        let g = try #require(object["g"] as? [Any])
        #expect(g.count == 3)
        #expect(g[2] as? String == "abc")
    }

    @Test func resolvesAliases() throws {
        try #expect(OpenAPIDocument(yaml: "a: &x 1\nb: *x\n").json == #"{"a":1,"b":1}"#)
    }
}

@Suite struct CursorTests {
    @Test func roundTrips() throws {
        try #expect(Cursor.decode(Cursor.encode(42)) == 42)
        #expect(throws: Problem.self) { try Cursor.decode("not-a-cursor") }
        #expect(throws: Problem.self) { try Cursor.decode(SecretToken.base64URL(Array("v1:-5".utf8))) }
    }
}

@Suite struct DatabaseURLTests {
    @Test func parsesHostAndSocketForms() throws {
        let tcp = try DatabaseURL.configuration(from: "postgres://app:s%40cret@db.internal:6543/planportal")
        #expect(tcp.host == "db.internal")
        #expect(tcp.port == 6543)
        #expect(tcp.username == "app")
        #expect(tcp.password == "s@cret")
        #expect(tcp.database == "planportal")
        let socket = try DatabaseURL.configuration(from: "postgres://postgres@/planportal?host=/tmp/pg")
        #expect(socket.unixSocketPath == "/tmp/pg/.s.PGSQL.5432")
        #expect(throws: ConfigError.self) { try DatabaseURL.configuration(from: "mysql://x@y/z") }
    }
}

@Suite struct SecretTokenTests {
    @Test func tokensAreRandom256BitBase64URL() {
        let a = SecretToken.generate()
        let b = SecretToken.generate()
        #expect(a != b)
        #expect(a.count == 43)
        #expect(a.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
        #expect(SecretToken.digest(a).count == 32)
        #expect(AdminKeySecret.generate().hasPrefix("ppk_"))
    }

    @Test func base64URLIsFoundationsBase64WithTheURLAlphabetAndNoPadding() {
        var generator = SystemRandomNumberGenerator()
        for length in 0...40 {
            for _ in 0..<20 {
                let bytes = (0..<length).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
                let expected = Data(bytes).base64EncodedString()
                    .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
                #expect(SecretToken.base64URL(bytes) == expected, "length \(length)")
            }
        }
        #expect(SecretToken.base64URL([0xfb, 0xff, 0xbf]) == "-_-_")
    }
}

@Suite struct SQLScriptTests {
    @Test func splitsOnlyOnTopLevelSemicolons() {
        let sql = """
            -- a comment; not a split
            CREATE TABLE a (x text DEFAULT 'a;b', "we;ird" int);
            /* block; /* nested; */ still */
            CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'no; way'; END;
            $$;
            CREATE FUNCTION g() RETURNS int LANGUAGE sql AS $body$ SELECT 1; $body$;
            ;
            """
        let statements = SQLScript.statements(sql)
        #expect(statements.count == 3)
        #expect(statements[0].hasSuffix(#"CREATE TABLE a (x text DEFAULT 'a;b', "we;ird" int)"#))
        #expect(statements[1].contains("RAISE EXCEPTION 'no; way'; END;"))
        #expect(statements[2].hasSuffix("$body$ SELECT 1; $body$"))
    }
}

@Suite struct AuditDetailsJSONTests {
    /// What the audit trail stores decodes back to the same details, whatever the text holds.
    @Test func detailsTextDecodesBackToTheSameDetails() throws {
        let samples: [AuditDetails] = [
            .init(),
            .init(outcome: "invalid_credentials"),
            .init(fields: [], outcome: nil, memberId: UUID()),
            .init(fields: ["name\"quoted\"", "back\\slash", "line\nbreak\ttab\r", "\u{1}\u{1f}", "é à 💊"], outcome: "ok", memberId: UUID()),
        ]
        for details in samples {
            let text = details.jsonText
            #expect(try JSONDecoder().decode(AuditDetails.self, from: Data(text.utf8)) == details, "\(text)")
            let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
            #expect(object != nil)
            #expect(object?.keys.contains("outcome") == (details.outcome != nil))
        }
        #expect(AuditDetails(outcome: "x").jsonText == #"{"outcome":"x"}"#)
        #expect(JSONText.string("\u{0}\u{1f}") == #""\u0000\u001f""#)
    }
}

@Suite struct CalendarDateTests {
    /// Signs and spaces are not digits, whichever path reads the text (contiguous UTF-8 or a
    /// bridged string), so PostgreSQL never receives a date it would refuse.
    @Test(arguments: ["2020-+1-05", "2020-01-+5", "+020-01-05", "2020- 1-05", "2020-01- 5", "-020-01-05"])
    func refusesSignsAndSpaces(_ text: String) {
        #expect(CalendarDate.parse(text) == nil)
        #expect(CalendarDate.parse(NSString(string: text) as String) == nil)
        #expect(!CalendarDate.isValidPast(text))
    }

    @Test func readsTheSameDateOnEitherPath() {
        #expect(CalendarDate.parse("2024-02-29") == "2024-02-29")
        #expect(CalendarDate.parse(NSString(string: "2024-02-29") as String) == "2024-02-29")
        #expect(CalendarDate.parse(NSString(string: "2023-02-29") as String) == nil)
    }
}
