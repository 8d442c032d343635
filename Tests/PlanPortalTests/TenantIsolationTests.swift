import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PostgresNIO
import Testing

@testable import PlanPortal

/// The scoping rule: a request for plan A never reads or writes plan B's rows, even when many
/// requests for different plans interleave on a small shared pool of connections.
@Suite struct TenantIsolationTests {
    @Test(.tags(.updatePlan, .listAuditEvents)) func interleavedRequestsStayInTheirPlan() async throws {
        // Three connections for many concurrent requests: every connection serves every plan in turn.
        try await TestEnvironment.withApp(maxConnections: 3) { client, services, key in
            let slugs = (0..<4).map { _ in TestEnvironment.uniqueSlug("iso") }
            for slug in slugs {
                try await client.execute(uri: "/v1/admin/plans", method: .post, headers: .admin(key), body: .json(planBody(slug: slug))) {
                    #expect($0.status == .created)
                }
            }
            let rounds = 15
            let requestIDs: [String: Set<String>] = try await withThrowingTaskGroup(of: (String, String).self) { group in
                for round in 0..<rounds {
                    for slug in slugs {
                        group.addTask {
                            try await client.execute(
                                uri: "/v1/admin/plans/\(slug)", method: .patch, headers: .admin(key),
                                body: .json(["nameEn": "\(slug) round \(round)"])
                            ) { response in
                                #expect(response.status == .ok)
                                let plan = try response.object()
                                #expect(plan["slug"] as? String == slug)
                                #expect((plan["nameEn"] as? String)?.hasPrefix(slug) == true)
                                return (slug, try #require(response.headers[.requestID]))
                            }
                        }
                        group.addTask {
                            try await client.execute(uri: "/v1/admin/plans/\(slug)/audit-events?limit=100", method: .get, headers: .admin(key)) { response in
                                #expect(response.status == .ok)
                                return (slug, "")
                            }
                        }
                    }
                }
                var ids: [String: Set<String>] = [:]
                for try await (slug, id) in group where !id.isEmpty { ids[slug, default: []].insert(id) }
                return ids
            }
            for slug in slugs {
                let page = try await services.audit.list(plan: PlanSlug(slug)!, limit: 100, before: nil)
                let updates = page.items.filter { $0.action == "plan.updated" }
                #expect(updates.count == rounds)
                #expect(Set(updates.compactMap(\.requestId)) == requestIDs[slug], "\(slug) holds exactly its own requests' events")
                let plan = try #require(try await services.plans.find(PlanSlug(slug)!))
                #expect(plan.nameEn.hasPrefix(slug))
            }
        }
    }

    @Test func schemaQualifiedQueriesNeverLeakAcrossPooledConnections() async throws {
        try await TestEnvironment.withServices(maxConnections: 2) { services in
            let slugs = try await createPlans(5, prefix: "pool", services: services)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for round in 0..<20 {
                    for slug in slugs {
                        group.addTask {
                            try await services.postgres.withTransaction(logger: TestEnvironment.logger) { tx in
                                let event = NewAuditEvent(action: "probe", actor: .system, requestID: "\(slug.value)#\(round)")
                                try await services.audit.append(event, plan: slug, on: tx)
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
            for slug in slugs {
                let rows = try await services.postgres.query(
                    "SELECT request_id FROM \(schema: slug).audit_events WHERE action = 'probe'"
                )
                var ids: [String] = []
                for try await id in rows.decode(String.self) { ids.append(id) }
                #expect(ids.count == 20)
                #expect(ids.allSatisfy { $0.hasPrefix(slug.value + "#") })
            }
        }
    }

    /// The login functions of a plan schema (sql/tenant/0011) keep that schema as their search
    /// path, whatever the calling connection's: called with another plan's schema first on the
    /// path, each still reads its own plan's account and nothing of the other's.
    @Test func planFunctionsReadTheirOwnSchemaWhateverTheCallersSearchPath() async throws {
        try await TestEnvironment.withServices(maxConnections: 2) { services in
            let slugs = try await createPlans(2, prefix: "fn", services: services)
            let (owner, other) = (slugs[0], slugs[1])
            let email = "only-in-\(owner.value)@example.ca"
            let accountID = try #require(try await services.postgres.query(
                """
                WITH m AS (
                    INSERT INTO \(schema: owner).members (certificate_number, last_name, first_name, last_name_key, first_name_key, date_of_birth)
                    VALUES ('FN1', 'Roy', 'Lea', 'roy', 'lea', '1999-01-01') RETURNING id
                )
                INSERT INTO \(schema: owner).accounts (member_id, email, password_hash, security_question_id, security_answer_hash, locale)
                SELECT id, \(email), 'hash', 'first-pet', 'answer', 'fr' FROM m RETURNING id
                """
            ).decode(UUID.self).one())
            // Their own path names the plan schema and then pg_temp, so no temporary table shadows a plan table.
            let rows = try await services.postgres.query(
                """
                SELECT p.proname, array_to_string(p.proconfig, ';') FROM pg_proc p
                WHERE p.pronamespace = \(owner.schemaName)::regnamespace AND p.proname LIKE 'login%' ORDER BY p.proname
                """
            ).decode((String, String?).self)
            var configs: [(String, String?)] = []
            for try await config in rows { configs.append(config) }
            #expect(configs.map(\.0) == ["login_begin", "login_open_session"])
            #expect(configs.allSatisfy { $0.1 == "search_path=\"\(owner.schemaName)\", pg_temp" }, "\(configs)")
            try await services.postgres.withTransaction(logger: TestEnvironment.logger) { tx in
                for (first, called, expected) in [(other, owner, Optional(accountID)), (owner, other, nil)] {
                    try await tx.query("SELECT set_config('search_path', \("\"\(first.schemaName)\""), true)", logger: TestEnvironment.logger)
                    let found = try await tx.query(
                        "SELECT account_id FROM \(schema: called).login_begin(\(called.value), \(email), '{}'::text[], '{}'::bigint[])", logger: TestEnvironment.logger
                    ).decode(UUID?.self).one()
                    #expect(found == .some(expected), "\(called.value) called with \(first.value) on the search path")
                }
            }
        }
    }

    /// `count` new plans with the fewest settings, created through the plan repository.
    private func createPlans(_ count: Int, prefix: String, services: AppServices) async throws -> [PlanSlug] {
        let slugs = try (0..<count).map { _ in try PlanSlug.parse(TestEnvironment.uniqueSlug(prefix)) }
        for slug in slugs {
            let input = try PlanCreateInput(
                slug: slug.value, nameFr: "R", nameEn: "P", emailDomains: ["example.ca"], portalUrl: "https://portal.example.ca"
            ).validated()
            _ = try await services.plans.create(input, audit: NewAuditEvent(action: "plan.created", actor: .system))
        }
        return slugs
    }
}
