import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PostgresNIO
import Testing

@testable import PlanPortal

@Suite struct AdminPlansTests {
    @Test(.tags(.listPlans)) func requiresAValidKey() async throws {
        try await TestEnvironment.withApp { client, services, _ in
            for headers: HTTPFields in [[:], [.authorization: "Bearer ppk_wrong"], [.authorization: "Basic abc"]] {
                try await client.execute(uri: "/v1/admin/plans", method: .get, headers: headers) { response in
                    #expect(response.status == .unauthorized)
                    try #expect(response.problemCode() == "unauthorized")
                    #expect(response.headers[.wwwAuthenticate] == "Bearer")
                }
            }
            let (key, secret) = try await services.adminKeys.create(name: "soon-revoked", role: .platform, plans: [])
            try await client.execute(uri: "/v1/admin/plans", method: .get, headers: .admin(secret)) { #expect($0.status == .ok) }
            try #expect(await services.adminKeys.revoke(id: key.id))
            try await client.execute(uri: "/v1/admin/plans", method: .get, headers: .admin(secret)) { #expect($0.status == .unauthorized) }
        }
    }

    @Test(.tags(.createPlan, .getPlan, .updatePlan, .listAuditEvents)) func createsReadsAndPatchesAPlan() async throws {
        try await TestEnvironment.withApp { client, services, key in
            let slug = TestEnvironment.uniqueSlug("crud")
            try await client.execute(uri: "/v1/admin/plans", method: .post, headers: .admin(key), body: .json(planBody(slug: slug, domain: "UMontreal.ca"))) { response in
                #expect(response.status == .created)
                #expect(response.headers[.location] == "/v1/admin/plans/\(slug)")
                #expect(response.headers[.requestID] != nil)
                let plan = try response.object()
                #expect(plan["slug"] as? String == slug)
                #expect(plan["schema"] as? String == "plan_" + slug.replacingOccurrences(of: "-", with: "_"))
                #expect(plan["emailDomains"] as? [String] == ["umontreal.ca"])
                #expect(plan["defaultLocale"] as? String == "fr")
            }
            try await client.execute(uri: "/v1/admin/plans", method: .post, headers: .admin(key), body: .json(planBody(slug: slug))) { response in
                #expect(response.status == .conflict)
                try #expect(response.problemCode() == "plan_exists")
            }
            let patch: [String: Any] = ["nameEn": "Renamed plan", "support": ["phone": NSNull(), "hoursEn": "9 to 5"], "defaultLocale": "en"]
            try await client.execute(uri: "/v1/admin/plans/\(slug)", method: .patch, headers: .admin(key), body: .json(patch)) { response in
                #expect(response.status == .ok)
                let plan = try response.object()
                #expect(plan["nameEn"] as? String == "Renamed plan")
                #expect(plan["nameFr"] as? String == "Régime Test")
                let support = try #require(plan["support"] as? [String: Any])
                #expect(support["phone"] is NSNull)
                #expect(support["hoursEn"] as? String == "9 to 5")
                #expect(support["email"] as? String == "help@example.ca")
                #expect(plan["defaultLocale"] as? String == "en")
            }
            try await client.execute(uri: "/v1/admin/plans/\(slug)", method: .get, headers: .admin(key)) { response in
                #expect(response.status == .ok)
                try #expect(response.object()["nameEn"] as? String == "Renamed plan")
            }
            try await client.execute(uri: "/v1/admin/plans/\(slug)/audit-events", method: .get, headers: .admin(key)) { response in
                #expect(response.status == .ok)
                let items = try #require(try response.object()["items"] as? [[String: Any]])
                #expect(items.map { $0["action"] as? String } == ["plan.updated", "plan.created"])
                let details = try #require(items.first?["details"] as? [String: Any])
                #expect(details["fields"] as? [String] == ["nameEn", "support.phone", "support.hoursEn", "defaultLocale"])
                #expect(items.first?["actorType"] as? String == "admin_key")
            }
            try await client.execute(uri: "/v1/admin/plans/\(TestEnvironment.uniqueSlug("none"))", method: .get, headers: .admin(key)) { response in
                #expect(response.status == .notFound)
                try #expect(response.problemCode() == "plan_not_found")
            }
            try await client.execute(uri: "/v1/admin/plans/Bad_Slug", method: .get, headers: .admin(key)) { response in
                #expect(response.status == .unprocessableContent)
                try #expect(response.problemCode() == "invalid_plan_slug")
            }
        }
    }

    @Test(.tags(.createPlan, .updatePlan)) func rejectsBadInputWithoutWritingAnything() async throws {
        try await TestEnvironment.withApp { client, services, key in
            let slug = TestEnvironment.uniqueSlug("bad")
            var unknownField = planBody(slug: slug)
            unknownField["colour"] = "blue"
            try await client.execute(uri: "/v1/admin/plans", method: .post, headers: .admin(key), body: .json(unknownField)) { response in
                #expect(response.status == .unprocessableContent)
                let problem = try response.object()
                #expect(problem["code"] as? String == "validation_failed")
                let errors = try #require(problem["errors"] as? [[String: Any]])
                #expect(errors.first?["field"] as? String == "colour")
                #expect(errors.first?["rule"] as? String == "unknown_field")
            }
            var invalid = planBody(slug: "Bad Slug")
            invalid["emailDomains"] = ["not a domain", "ok.ca", "ok.ca"]
            invalid["portalUrl"] = "http://portal.example.ca/?x=1"
            try await client.execute(uri: "/v1/admin/plans", method: .post, headers: .admin(key, language: "en"), body: .json(invalid)) { response in
                #expect(response.status == .unprocessableContent)
                #expect(response.headers[.contentLanguage] == "en")
                let problem = try response.object()
                #expect(problem["title"] as? String == "Invalid data")
                let fields = Set(try #require(problem["errors"] as? [[String: Any]]).compactMap { $0["field"] as? String })
                #expect(fields == ["slug", "emailDomains[0]", "emailDomains[2]", "portalUrl"])
            }
            var wrongType = planBody(slug: slug)
            wrongType["emailDomains"] = "example.ca"
            try await client.execute(uri: "/v1/admin/plans", method: .post, headers: .admin(key), body: .json(wrongType)) { response in
                #expect(response.status == .unprocessableContent)
                let errors = try #require(try response.object()["errors"] as? [[String: Any]])
                #expect(errors.first?["field"] as? String == "emailDomains")
                #expect(errors.first?["rule"] as? String == "type")
            }
            try await client.execute(uri: "/v1/admin/plans", method: .post, headers: .admin(key), body: ByteBuffer(string: "{\"slug\": ")) { response in
                #expect(response.status == .badRequest)
                try #expect(response.problemCode() == "invalid_json")
                try #expect(response.object()["title"] as? String == "JSON mal formé", "French by default")
            }
            try await client.execute(uri: "/v1/admin/plans", method: .post, headers: .admin(key, json: false), body: .json(planBody(slug: slug))) { response in
                #expect(response.status == .unsupportedMediaType)
                try #expect(response.problemCode() == "unsupported_media_type")
            }
            var huge = planBody(slug: slug)
            huge["nameFr"] = String(repeating: "x", count: 70 * 1024)
            try await client.execute(uri: "/v1/admin/plans", method: .post, headers: .admin(key), body: .json(huge)) { response in
                #expect(response.status == .contentTooLarge)
                try #expect(response.problemCode() == "payload_too_large")
            }
            let rows = try await services.postgres.query("SELECT count(*) FROM control.plans WHERE slug = \(slug)")
            for try await count in rows.decode(Int.self) { #expect(count == 0, "no failed request left a plan behind") }

            try await client.execute(uri: "/v1/admin/plans", method: .post, headers: .admin(key), body: .json(planBody(slug: slug))) { #expect($0.status == .created) }
            try await client.execute(uri: "/v1/admin/plans/\(slug)", method: .patch, headers: .admin(key), body: .json(["nameEn": "", "portalUrl": "ftp://x"])) { response in
                #expect(response.status == .unprocessableContent)
            }
            try await client.execute(uri: "/v1/admin/plans/\(slug)", method: .patch, headers: .admin(key), body: .json([:])) { response in
                #expect(response.status == .unprocessableContent)
            }
            try await client.execute(uri: "/v1/admin/plans/\(slug)", method: .patch, headers: .admin(key), body: .json(["slug": "other"])) { response in
                #expect(response.status == .unprocessableContent)
            }
            try await client.execute(uri: "/v1/admin/plans/\(slug)", method: .get, headers: .admin(key)) { response in
                try #expect(response.object()["nameEn"] as? String == "Test plan", "failed patches changed nothing")
            }
            try await client.execute(uri: "/v1/admin/plans/\(slug)/audit-events?limit=0", method: .get, headers: .admin(key)) { response in
                #expect(response.status == .unprocessableContent)
            }
            try await client.execute(uri: "/v1/admin/plans/\(slug)/audit-events?cursor=zzz", method: .get, headers: .admin(key)) { response in
                #expect(response.status == .unprocessableContent)
            }
        }
    }

    @Test(.tags(.listPlans, .getPlan, .updatePlan)) func planAdminKeysSeeOnlyTheirPlans() async throws {
        try await TestEnvironment.withApp { client, services, platformKey in
            let mine = TestEnvironment.uniqueSlug("mine")
            let other = TestEnvironment.uniqueSlug("other")
            for slug in [mine, other] {
                try await client.execute(uri: "/v1/admin/plans", method: .post, headers: .admin(platformKey), body: .json(planBody(slug: slug))) {
                    #expect($0.status == .created)
                }
            }
            let (_, tpaKey) = try await services.adminKeys.create(name: "tpa", role: .planAdmin, plans: [PlanSlug(mine)!])
            try await client.execute(uri: "/v1/admin/plans", method: .get, headers: .admin(tpaKey)) { response in
                let items = try #require(try response.object()["items"] as? [[String: Any]])
                #expect(items.compactMap { $0["slug"] as? String } == [mine])
            }
            try await client.execute(uri: "/v1/admin/plans/\(mine)", method: .get, headers: .admin(tpaKey)) { #expect($0.status == .ok) }
            for uri in ["/v1/admin/plans/\(other)", "/v1/admin/plans/\(other)/audit-events", "/v1/admin/plans/\(TestEnvironment.uniqueSlug("ghost"))"] {
                try await client.execute(uri: uri, method: .get, headers: .admin(tpaKey)) { response in
                    #expect(response.status == .notFound)
                    try #expect(response.problemCode() == "plan_not_found")
                }
            }
            try await client.execute(uri: "/v1/admin/plans/\(other)", method: .patch, headers: .admin(tpaKey), body: .json(["nameEn": "Hijacked"])) {
                #expect($0.status == .notFound)
            }
            try await client.execute(uri: "/v1/admin/plans", method: .post, headers: .admin(tpaKey), body: .json(planBody(slug: TestEnvironment.uniqueSlug()))) { response in
                #expect(response.status == .forbidden)
                try #expect(response.problemCode() == "insufficient_role")
            }
        }
    }

    @Test(.tags(.getHealth, .getReadiness, .getMetrics, .getOpenAPIYAML, .getOpenAPIJSON, .getDocs)) func servesHealthContractAndMetrics() async throws {
        try await TestEnvironment.withApp { client, _, _ in
            try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .ok)
                try #expect(response.object()["pendingMigrations"] as? Int == 0)
            }
            try await client.execute(uri: "/openapi.json", method: .get) { response in
                #expect(response.status == .ok)
                let spec = try response.object()
                #expect((spec["openapi"] as? String)?.hasPrefix("3.1") == true)
                #expect((spec["paths"] as? [String: Any])?["/v1/admin/plans"] != nil)
            }
            try await client.execute(uri: "/openapi.yaml", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains("openapi: 3.1"))
            }
            try await client.execute(uri: "/docs", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains("/openapi.json"))
            }
            try await client.execute(uri: "/metrics", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/no/such/route", method: .get) { response in
                #expect(response.status == .notFound)
                try #expect(response.problemCode() == "not_found")
            }
        }
    }
}
