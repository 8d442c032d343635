import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import Yams

@testable import PlanPortal

/// Issue #12: the plan's public face (`getPublicPlan`) and its branding (colour, logo).
@Suite struct PublicPlanTests {
    @Test(.tags(.getPublicPlan)) func thePublicPlanShowsWhatClientsNeedAndNoSettings() async throws {
        try await TestEnvironment.withApp { client, _, key in
            let f = try await MemberFixture.make(client: client, key: key, challenge: "pow")
            try await client.execute(uri: f.base, method: .get, headers: [.acceptLanguage: "en"]) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.cacheControl] == "public, max-age=300")
                #expect(response.headers[.vary] == "Origin")
                #expect(response.headers[.contentLanguage] == nil, "both languages are in the body")
                let body = try response.object()
                #expect(Set(body.keys) == ["slug", "nameFr", "nameEn", "portalUrl", "defaultLocale", "emailDomains", "support", "challenge", "branding"])
                #expect(body["slug"] as? String == f.slug)
                #expect(body["nameFr"] as? String == "Régime UdeM")
                #expect(body["nameEn"] as? String == "UdeM plan")
                #expect(body["defaultLocale"] as? String == "fr")
                #expect(body["emailDomains"] as? [String] == [MemberFixture.domain])
                #expect(body["portalUrl"] as? String == "https://portal.example.ca/\(f.slug)")
                let support = try #require(body["support"] as? [String: Any])
                #expect(support["phone"] as? String == "1-888-509-7797")
                #expect(support["hoursEn"] as? String == "8 a.m. to 5 p.m.")
                let challenge = try #require(body["challenge"] as? [String: Any])
                #expect(challenge["provider"] as? String == "pow")
                #expect(challenge["scriptUrl"] is NSNull)
                #expect(challenge["widgetOrigins"] as? [String] == [])
                let branding = try #require(body["branding"] as? [String: Any])
                #expect(branding["primaryColor"] is NSNull && branding["logo"] is NSNull)
                let text = String(buffer: response.body)
                for secret in ["argon2", "rateLimits", "passwordPolicy", "powKey", "secret", "memoryKiB", "sessionIdle"] {
                    #expect(!text.contains(secret), "\(secret) is a setting, not the plan's public face")
                }
            }
            try await client.execute(uri: "/v1/plans/\(TestEnvironment.uniqueSlug("ghost"))", method: .get) { response in
                #expect(response.status == .notFound)
                try #expect(response.problemCode() == "plan_not_found")
                #expect(response.headers[.cacheControl] == "no-store")
            }
            try await client.execute(uri: "/v1/plans/Not_A_Slug", method: .get) { response in
                try #expect(response.problemCode() == "invalid_plan_slug")
            }
        }
    }

    @Test(.tags(.getPublicPlan)) func aThirdPartyChallengeTellsItsScriptAndOrigins() async throws {
        try await TestEnvironment.withApp { client, _, key in
            let slug = TestEnvironment.uniqueSlug("pub")
            var body = planBody(slug: slug)
            body["challenge"] = ["provider": "turnstile", "siteKey": "0x4AAAAAAAB", "secret": "0x4AAAAAAAsecret", "action": "register"]
            try await client.execute(uri: "/v1/admin/plans", method: .post, headers: .admin(key), body: .json(body)) { #expect($0.status == .created) }
            try await client.execute(uri: "/v1/plans/\(slug)", method: .get) { response in
                let text = String(buffer: response.body)
                #expect(!text.contains("0x4AAAAAAAsecret"))
                let challenge = try #require(try response.object()["challenge"] as? [String: Any])
                #expect(challenge["provider"] as? String == "turnstile")
                #expect(challenge["siteKey"] as? String == "0x4AAAAAAAB")
                #expect(challenge["action"] as? String == "register")
                #expect(challenge["version"] is NSNull)
                #expect(challenge["scriptUrl"] as? String == "https://challenges.cloudflare.com/turnstile/v0/api.js")
                #expect(challenge["widgetOrigins"] as? [String] == ["https://challenges.cloudflare.com"])
            }
        }
    }

    @Test(.tags(.updatePlan, .getPublicPlan)) func thePrimaryColourMustCarryWhiteTextAtAA() async throws {
        try await TestEnvironment.withApp { client, _, key in
            let f = try await MemberFixture.make(client: client, key: key)
            let admin = "/v1/admin/plans/\(f.slug)"
            // #777777 gives 4.48:1 with white, just under the floor; #767676 gives 4.54:1.
            for (colour, rule) in [("#777777", "contrast"), ("#FFD700", "contrast"), ("blue", "pattern"), ("#12345", "pattern"), ("#12345G", "pattern")] {
                try await client.execute(uri: admin, method: .patch, headers: .admin(key, language: "en"), body: .json(["branding": ["primaryColor": colour]])) { response in
                    #expect(response.status == .unprocessableContent, "\(colour)")
                    let error = try #require(try response.object()["errors"] as? [[String: Any]]).first
                    #expect(error?["field"] as? String == "branding.primaryColor")
                    #expect(error?["rule"] as? String == rule, "\(colour)")
                    if colour == "#777777" { #expect((error?["message"] as? String)?.contains("4.48:1") == true) }
                }
            }
            try await client.execute(uri: admin, method: .patch, headers: .admin(key), body: .json(["branding": ["primaryColor": "#767676"]])) { response in
                #expect(response.status == .ok)
                let branding = try #require(try response.object()["branding"] as? [String: Any])
                #expect(branding["primaryColor"] as? String == "#767676")
            }
            try await client.execute(uri: admin, method: .patch, headers: .admin(key), body: .json(["branding": ["primaryColor": "#1A4F8B"]])) { #expect($0.status == .ok) }
            try await client.execute(uri: f.base, method: .get) { response in
                let branding = try #require(try response.object()["branding"] as? [String: Any])
                #expect(branding["primaryColor"] as? String == "#1a4f8b", "stored in lower case, seen at once")
            }
            try await client.execute(uri: admin, method: .patch, headers: .admin(key), body: .json(["branding": ["primaryColor": NSNull()]])) { #expect($0.status == .ok) }
            try await client.execute(uri: f.base, method: .get) { response in
                let branding = try #require(try response.object()["branding"] as? [String: Any])
                #expect(branding["primaryColor"] is NSNull)
            }
            try await client.execute(uri: admin, method: .patch, headers: .admin(key), body: .json(["branding": [String: Any]()])) { response in
                #expect(response.status == .unprocessableContent, "an empty branding patch changes nothing")
            }
        }
    }

    @Test(.tags(.putPlanLogo, .getPlanLogo, .deletePlanLogo, .getPublicPlan)) func aLogoIsStoredServedAndRemoved() async throws {
        try await TestEnvironment.withApp { client, services, key in
            let f = try await MemberFixture.make(client: client, key: key)
            let logoURI = "/v1/admin/plans/\(f.slug)/branding/logo"
            let png = LogoSamples.png(width: 480, height: 120)
            let stored = try await client.execute(uri: logoURI, method: .put, headers: [.authorization: "Bearer \(key)", .contentType: "application/octet-stream"], body: ByteBuffer(bytes: png))
            #expect(stored.status == .ok)
            let info = try stored.object()
            let sha = SHA256.hash(data: png).hexString
            #expect(info["contentType"] as? String == "image/png")
            #expect(info["width"] as? Int == 480 && info["height"] as? Int == 120)
            #expect(info["sizeBytes"] as? Int == png.count)
            #expect(info["sha256"] as? String == sha)
            let url = try #require(info["url"] as? String)
            #expect(url == "/v1/plans/\(f.slug)/branding/logo?v=\(sha.prefix(16))")

            try await client.execute(uri: f.base, method: .get) { response in
                let logo = try #require(try response.object()["branding"] as? [String: Any])["logo"] as? [String: Any]
                #expect(logo?["url"] as? String == url)
                #expect(logo?["width"] as? Int == 480)
            }
            try await client.execute(uri: "/v1/admin/plans/\(f.slug)", method: .get, headers: .admin(key)) { response in
                let logo = try #require(try response.object()["branding"] as? [String: Any])["logo"] as? [String: Any]
                #expect(logo?["sha256"] as? String == sha)
            }
            try await client.execute(uri: url, method: .get) { response in
                #expect(response.status == .ok)
                #expect(Array(response.body.readableBytesView) == png)
                #expect(response.headers[.contentType] == "image/png")
                #expect(response.headers[.eTag] == "\"\(sha)\"")
                #expect(response.headers[.cacheControl] == "public, max-age=31536000, immutable")
                #expect(response.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff")
            }
            try await client.execute(uri: "\(f.base)/branding/logo?v=0000000000000000", method: .get) { response in
                #expect(response.headers[.cacheControl] == "public, max-age=300", "an old version's address is not kept for long")
            }
            try await client.execute(uri: url, method: .get, headers: [.ifNoneMatch: "\"\(sha)\""]) { response in
                #expect(response.status == .notModified)
                #expect(response.body.readableBytes == 0)
            }
            // The operation the route calls serves the same bytes to any presentation.
            let served = try await services.branding.getPlanLogo(plan: f.plan, version: nil, ifNoneMatch: nil)
            #expect(served.bytes.map { Array($0.readableBytesView) } == png && served.headers[.contentType] == "image/png")

            // Another type replaces it, whatever Content-Type says.
            let webp = LogoSamples.webpLossless(width: 64, height: 32)
            try await client.execute(uri: logoURI, method: .put, headers: [.authorization: "Bearer \(key)", .contentType: "image/png"], body: ByteBuffer(bytes: webp)) { response in
                #expect(response.status == .ok)
                let body = try response.object()
                #expect(body["contentType"] as? String == "image/webp")
                #expect(body["width"] as? Int == 64 && body["height"] as? Int == 32)
            }
            try await client.execute(uri: url, method: .get) { response in
                #expect(response.headers[.contentType] == "image/webp")
                #expect(response.headers[.cacheControl] == "public, max-age=300", "the old version is no longer current")
            }

            try await client.execute(uri: logoURI, method: .delete, headers: .admin(key, json: false)) { #expect($0.status == .noContent) }
            try await client.execute(uri: logoURI, method: .delete, headers: .admin(key, json: false)) { #expect($0.status == .noContent) }
            try await client.execute(uri: "\(f.base)/branding/logo", method: .get) { response in
                #expect(response.status == .notFound)
                try #expect(response.problemCode() == "logo_not_found")
            }
            try await client.execute(uri: f.base, method: .get) { response in
                let branding = try #require(try response.object()["branding"] as? [String: Any])
                #expect(branding["logo"] is NSNull)
            }
            let actions = try await services.audit.list(plan: f.plan, limit: 100, before: nil).items.map(\.action)
            #expect(actions.filter { $0 == "plan.logo_updated" }.count == 2)
            #expect(actions.filter { $0 == "plan.logo_deleted" }.count == 1, "deleting no logo audits nothing")
        }
    }

    @Test(.tags(.putPlanLogo)) func logosAreToldByTheirBytesAndBounded() async throws {
        try await TestEnvironment.withApp { client, services, key in
            let f = try await MemberFixture.make(client: client, key: key)
            let uri = "/v1/admin/plans/\(f.slug)/branding/logo"
            func put(_ bytes: [UInt8], type: String = "image/png") async throws -> TestResponse {
                try await client.execute(uri: uri, method: .put, headers: [.authorization: "Bearer \(key)", .contentType: type], body: ByteBuffer(bytes: bytes))
            }
            let svg = Array(#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#.utf8)
            for (name, bytes) in [("svg", svg), ("gif", Array("GIF89a\u{1}\u{0}\u{1}\u{0}".utf8)), ("empty", []), ("pdf", Array("%PDF-1.4".utf8))] {
                let response = try await put(bytes, type: name == "svg" ? "image/svg+xml" : "image/png")
                #expect(response.status == .unsupportedMediaType, "\(name)")
                try #expect(response.problemCode() == "unsupported_media_type")
            }
            var big = LogoSamples.png(width: 100, height: 100)
            big += [UInt8](repeating: 0, count: LogoImage.maxBytes + 1 - big.count)
            let tooLarge = try await put(big)
            #expect(tooLarge.status == .contentTooLarge)
            try #expect(tooLarge.problemCode() == "payload_too_large")
            #expect(try await put(Array(big.prefix(LogoImage.maxBytes))).status == .ok, "exactly 256 KiB is accepted")
            for (name, bytes) in [("truncated png", Array(LogoSamples.png(width: 1, height: 1).prefix(20))), ("huge png", LogoSamples.png(width: 5000, height: 10)),
                                  ("zero-width png", LogoSamples.png(width: 0, height: 10)), ("jpeg without a frame", [0xFF, 0xD8, 0xFF, 0xD9])] {
                let response = try await put(bytes)
                #expect(response.status == .unprocessableContent, "\(name)")
                try #expect(response.problemCode() == "logo_invalid")
            }
            // A plan-admin key of another plan cannot touch this one.
            let (_, otherKey) = try await services.adminKeys.create(name: "other", role: .planAdmin, plans: [PlanSlug(TestEnvironment.uniqueSlug("other"))!])
            try await client.execute(uri: uri, method: .put, headers: [.authorization: "Bearer \(otherKey)"], body: ByteBuffer(bytes: LogoSamples.png(width: 10, height: 10))) { response in
                #expect(response.status == .notFound)
            }
        }
    }

    @Test func brandColourContrastFollowsWCAG() {
        func ratio(_ hex: String) -> Double { BrandColor.contrastWithWhite(BrandColor.components(hex)!) }
        #expect(abs(ratio("#000000") - 21) < 0.001)
        #expect(abs(ratio("#ffffff") - 1) < 0.001)
        #expect(abs(ratio("#767676") - 4.54) < 0.01)
        #expect(abs(ratio("#777777") - 4.48) < 0.01)
        #expect(abs(ratio("#0000ff") - 8.59) < 0.01)
        #expect(abs(ratio("#ff0000") - 4.0) < 0.01)
        #expect(BrandColor.components("#abc") == nil && BrandColor.components("123456") == nil && BrandColor.components("#+12345") == nil)
        var errors: [LocalizedFieldError] = []
        #expect(BrandColor.check(" #1A4F8B ", field: "c", errors: &errors) == "#1a4f8b" && errors.isEmpty)
        _ = BrandColor.check("#777777", field: "c", errors: &errors)
        #expect(errors.first?.rule == "contrast" && errors.first?.message.fr.contains("4,48:1") == true)
    }

    @Test func logoSizesAreReadFromEachFormatsHeader() throws {
        let png = try LogoImage(LogoSamples.png(width: 300, height: 90))
        #expect(png.contentType == "image/png" && png.width == 300 && png.height == 90)
        let jpeg = try LogoImage(LogoSamples.jpeg(width: 640, height: 200))
        #expect(jpeg.contentType == "image/jpeg" && jpeg.width == 640 && jpeg.height == 200)
        let lossless = try LogoImage(LogoSamples.webpLossless(width: 4096, height: 1))
        #expect(lossless.contentType == "image/webp" && lossless.width == 4096 && lossless.height == 1)
        let extended = try LogoImage(LogoSamples.webpExtended(width: 1000, height: 250))
        #expect(extended.width == 1000 && extended.height == 250)
        let lossy = try LogoImage(LogoSamples.webpLossy(width: 321, height: 123))
        #expect(lossy.width == 321 && lossy.height == 123)
    }

    /// The contract's `putPlanLogo` example (what schemathesis sends first) is a header the server accepts.
    @Test(.tags(.putPlanLogo)) func theContractsLogoExampleIsAcceptedAsIs() throws {
        let yaml = try String(contentsOf: repositoryRoot.appendingPathComponent("openapi.yaml"), encoding: .utf8)
        let root = try #require(try Yams.load(yaml: yaml) as? [String: Any])
        let put = try #require(((root["paths"] as? [String: Any])?["/v1/admin/plans/{plan}/branding/logo"] as? [String: Any])?["put"] as? [String: Any])
        let content = try #require((put["requestBody"] as? [String: Any])?["content"] as? [String: Any])
        let example = try #require((content["image/webp"] as? [String: Any])?["example"] as? String)
        let image = try LogoImage(Array(example.utf8))
        #expect(image.contentType == "image/webp" && image.width == 320 && image.height == 120)
    }
}

/// Headers of small images in each accepted format (enough for the server, which reads only them).
enum LogoSamples {
    static func be32(_ v: Int) -> [UInt8] { [UInt8(v >> 24 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
    static func le(_ v: Int, _ n: Int) -> [UInt8] { (0..<n).map { UInt8(v >> (8 * $0) & 0xFF) } }

    static func png(width: Int, height: Int) -> [UInt8] {
        [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + be32(13) + Array("IHDR".utf8) + be32(width) + be32(height)
            + [8, 6, 0, 0, 0] + be32(0) + be32(0) + Array("IEND".utf8) + be32(0xAE42_6082)
    }

    static func jpeg(width: Int, height: Int) -> [UInt8] {
        let app0: [UInt8] = [0xFF, 0xE0, 0x00, 0x10] + Array("JFIF".utf8) + [0, 1, 1, 0, 0, 1, 0, 1, 0, 0]
        let sof: [UInt8] = [0xFF, 0xC0, 0x00, 0x11, 8, UInt8(height >> 8), UInt8(height & 0xFF), UInt8(width >> 8), UInt8(width & 0xFF), 3,
                            1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]
        return [0xFF, 0xD8] + app0 + sof + [0xFF, 0xD9]
    }

    static func riff(_ chunk: String, _ payload: [UInt8]) -> [UInt8] {
        Array("RIFF".utf8) + le(4 + 8 + payload.count, 4) + Array("WEBP".utf8) + Array(chunk.utf8) + le(payload.count, 4) + payload
    }

    static func webpLossless(width: Int, height: Int) -> [UInt8] {
        riff("VP8L", [0x2F] + le((width - 1) | (height - 1) << 14, 4) + [0, 0, 0, 0, 0])
    }

    static func webpExtended(width: Int, height: Int) -> [UInt8] {
        riff("VP8X", [0, 0, 0, 0] + le(width - 1, 3) + le(height - 1, 3))
    }

    static func webpLossy(width: Int, height: Int) -> [UInt8] {
        riff("VP8 ", [0, 0, 0, 0x9D, 0x01, 0x2A] + le(width, 2) + le(height, 2) + [0, 0])
    }
}
