import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PostgresNIO
import Testing

@testable import PlanPortal

/// Every webhook suite runs one test at a time: `Delivery.twoReplicasDeliverEachEventOnce`
/// starts servers that deliver for every plan, and the other tests watch their deliveries' states.
@Suite(.serialized) struct WebhookTests {}

extension WebhookTests {
    /// Issue #14, webhooks: the admin endpoints, their refusals, and the secrets at rest.
    @Suite struct Admin {
        static let hookURL = "https://hooks.example.ca/planportal"

        /// A new plan (slug returned) with the test's platform key.
        static func plan(_ client: any TestClientProtocol, _ key: String) async throws -> String {
            let slug = TestEnvironment.uniqueSlug("wh")
            try await client.execute(uri: "/v1/admin/plans", method: .post, headers: .admin(key), body: .json(planBody(slug: slug))) {
                #expect($0.status == .created)
            }
            return slug
        }

        static func create(_ client: any TestClientProtocol, _ key: String, _ slug: String, _ body: [String: Any]) async throws -> TestResponse {
            try await client.execute(uri: "/v1/admin/plans/\(slug)/webhooks", method: .post, headers: .admin(key), body: .json(body))
        }

        /// Creates an endpoint and returns the created body.
        static func created(_ client: any TestClientProtocol, _ key: String, _ slug: String, url: String = hookURL, events: [String] = ["claim.submitted"]) async throws -> [String: Any] {
            let response = try await create(client, key, slug, ["url": url, "events": events])
            #expect(response.status == .created, "\(String(buffer: response.body))")
            return try response.object()
        }

        static func storedSecrets(_ services: AppServices, _ id: String) async throws -> (String, String?) {
            let rows = try await services.postgres.query("SELECT secret, previous_secret FROM control.webhook_endpoints WHERE id = \(UUID(uuidString: id)!)")
            return try #require(try await rows.decode((String, String?).self).one())
        }

        @Test(.tags(.createWebhook, .listWebhooks, .getWebhook, .updateWebhook, .deleteWebhook))
        func endpointsAreManagedAuditedAndTheirSecretsSealed() async throws {
            try await TestEnvironment.withApp { client, services, key in
                let slug = try await Self.plan(client, key)
                let base = "/v1/admin/plans/\(slug)/webhooks"
                let response = try await Self.create(client, key, slug, [
                    "url": Self.hookURL, "events": ["member.activated", "claim.status_changed"], "description": "File d'attente du TPA",
                ])
                #expect(response.status == .created)
                #expect(response.headers[.cacheControl] == "no-store")
                let body = try response.object()
                let id = try #require(body["id"] as? String)
                #expect(response.headers[.location] == "\(base)/\(id)")
                let secret = try #require(body["secret"] as? String)
                #expect(secret.wholeMatch(of: /whsec_[A-Za-z0-9+\/]{43}=/) != nil)
                #expect(body["enabled"] as? Bool == true)
                #expect(body["events"] as? [String] == ["member.activated", "claim.status_changed"])
                #expect(body.keys.contains("previousSecretExpiresAt") && body["previousSecretExpiresAt"] is NSNull)

                // Sealed at rest, bound to this endpoint; the plaintext is nowhere in the row.
                let (stored, previous) = try await Self.storedSecrets(services, id)
                #expect(stored.hasPrefix("enc:v1:\(services.secrets.current.id):"))
                #expect(!stored.contains(secret.dropFirst(6)))
                #expect(previous == nil)
                #expect(try services.secrets.open(stored, context: WebhookRepository.secretContext(plan: slug, endpoint: UUID(uuidString: id)!)) == secret)

                // Listed and read without the secret.
                let list = try await client.execute(uri: base, method: .get, headers: .admin(key)) { response in
                    #expect(response.status == .ok)
                    return try #require(try response.object()["items"] as? [[String: Any]])
                }
                #expect(list.map { $0["id"] as? String } == [id])
                #expect(list.allSatisfy { $0["secret"] == nil })
                try await client.execute(uri: "\(base)/\(id)", method: .get, headers: .admin(key)) { response in
                    #expect(response.status == .ok)
                    let one = try response.object()
                    #expect(one["secret"] == nil && one["description"] as? String == "File d'attente du TPA")
                }

                // Merge patch: absent fields stay, null clears the description.
                try await client.execute(uri: "\(base)/\(id)", method: .patch, headers: .admin(key), body: .json([
                    "events": ["roster.imported"], "description": NSNull(), "enabled": false,
                ])) { response in
                    #expect(response.status == .ok)
                    let patched = try response.object()
                    #expect(patched["events"] as? [String] == ["roster.imported"])
                    #expect(patched["description"] is NSNull)
                    #expect(patched["enabled"] as? Bool == false)
                    #expect(patched["url"] as? String == Self.hookURL)
                }
                // A disabled endpoint gets no new deliveries.
                try await services.postgres.withTransaction(logger: TestEnvironment.logger) { tx in
                    try await services.webhookOutbox.enqueue(.rosterImported(.init(inserted: 1, updated: 0, unchanged: 0)), plan: PlanSlug(slug)!, on: tx)
                }
                #expect(try await Self.deliveryCount(services, slug) == 0)

                try await client.execute(uri: "\(base)/\(id)", method: .delete, headers: .admin(key)) { #expect($0.status == .noContent) }
                try await client.execute(uri: "\(base)/\(id)", method: .get, headers: .admin(key)) { response in
                    #expect(response.status == .notFound)
                    try #expect(response.problemCode() == "webhook_not_found")
                }
                let actions = try await services.audit.list(plan: PlanSlug(slug)!, limit: 20, before: nil).items
                let webhook = actions.filter { $0.action.hasPrefix("webhook.") }
                #expect(webhook.map(\.action) == ["webhook.deleted", "webhook.updated", "webhook.created"])
                #expect(webhook.first { $0.action == "webhook.updated" }?.details.fields == ["events", "description", "enabled"])
                #expect(webhook.allSatisfy { $0.actorType == "admin_key" })
            }
        }

        /// A body that is not JSON, not JSON at all, or too large: 415, 400, 413 (nothing changed).
        static func refusesMalformedBodies(_ client: any TestClientProtocol, _ key: String, uri: String, method: HTTPRequest.Method) async throws {
            let cases: [(HTTPFields, String, HTTPResponse.Status)] = [
                (.admin(key, json: false), "{}", .unsupportedMediaType),
                (.admin(key), "{\"url\":", .badRequest),
                (.admin(key), String(repeating: " ", count: 70_000), .contentTooLarge),
            ]
            for (headers, body, status) in cases {
                try await client.execute(uri: uri, method: method, headers: headers, body: .init(string: body)) {
                    #expect($0.status == status, "\(method) \(uri): \(body.prefix(10))")
                }
            }
        }

        static func deliveryCount(_ services: AppServices, _ slug: String) async throws -> Int {
            let rows = try await services.postgres.query("SELECT count(*)::int FROM control.webhook_deliveries WHERE plan_slug = \(slug)")
            return try await rows.decode(Int.self).one() ?? -1
        }

        /// An event is written on the caller's transaction: when the change rolls back (or is
        /// refused before it is made) neither the event nor its deliveries exist.
        @Test(.tags(.importRoster)) func aChangeThatDoesNotHappenQueuesNothing() async throws {
            struct Abandoned: Error {}
            try await TestEnvironment.withApp { client, services, key in
                let slug = try await Self.plan(client, key)
                _ = try await Self.created(client, key, slug, events: ["roster.imported"])
                let rolledBack = await #expect(throws: PostgresTransactionError.self) {
                    try await services.postgres.withTransaction(logger: TestEnvironment.logger) { tx in
                        try await services.webhookOutbox.enqueue(.rosterImported(.init(inserted: 1, updated: 0, unchanged: 0)), plan: PlanSlug(slug)!, on: tx)
                        throw Abandoned()
                    }
                }
                #expect(rolledBack?.closureError is Abandoned && rolledBack?.rollbackError == nil)
                let csv = "certificate_number,last_name,first_name,date_of_birth,email\nA1,Roy,Luc,1990-13-01,\n"
                try await client.execute(uri: "/v1/admin/plans/\(slug)/roster", method: .put,
                                         headers: [.authorization: "Bearer \(key)", .contentType: "text/csv"], body: ByteBuffer(string: csv)) { response in
                    #expect(response.status == .unprocessableContent)
                    try #expect(response.problemCode() == "roster_invalid")
                }
                #expect(try await Self.deliveryCount(services, slug) == 0)
                let events = try await services.postgres.query("SELECT count(*)::int FROM \(schema: PlanSlug(slug)!).webhook_events")
                #expect(try await events.decode(Int.self).one() == 0)
                // The same file made valid is applied, and queued once.
                try await client.execute(uri: "/v1/admin/plans/\(slug)/roster", method: .put, headers: [.authorization: "Bearer \(key)", .contentType: "text/csv"],
                                         body: ByteBuffer(string: csv.replacingOccurrences(of: "1990-13-01", with: "1990-12-01"))) {
                    #expect($0.status == .ok)
                }
                #expect(try await Self.deliveryCount(services, slug) == 1)
            }
        }

        @Test(.tags(.createWebhook, .updateWebhook))
        func refusedURLsAndFieldsAreDocumentedProblems() async throws {
            try await TestEnvironment.withApp { client, _, key in
                let slug = try await Self.plan(client, key)
                let refused: [(String, String)] = [
                    ("http://hooks.example.ca/x", "scheme"),
                    ("ftp://hooks.example.ca/x", "scheme"),
                    ("https://user:pw@hooks.example.ca/x", "credentials"),
                    ("https://10.1.2.3/x", "forbidden_address"),
                    ("https://169.254.169.254/latest/meta-data", "forbidden_address"),
                    ("https://[::ffff:127.0.0.1]/x", "forbidden_address"),
                    ("https://[fd00::1]/x", "forbidden_address"),
                    ("https://[fe80::1]/x", "forbidden_address"),
                    ("https://[64:ff9b::a00:1]/x", "forbidden_address"),
                    ("https://100.64.0.1/x", "forbidden_address"),
                    ("https://localhost/x", "malformed"),
                    ("https://hooks.example.ca/x#frag", "malformed"),
                    ("not a url", "malformed"),
                ]
                for (url, rule) in refused {
                    let response = try await Self.create(client, key, slug, ["url": url, "events": ["claim.submitted"]])
                    #expect(response.status == .unprocessableContent, "\(url)")
                    try #expect(response.problemCode() == "webhook_url_forbidden", "\(url)")
                    let errors = try #require(try response.object()["errors"] as? [[String: Any]])
                    #expect(errors.first?["field"] as? String == "url" && errors.first?["rule"] as? String == rule, "\(url): \(errors)")
                }
                let invalid: [([String: Any], String, String)] = [
                    (["url": Self.hookURL, "events": []], "events", "min_items"),
                    (["url": Self.hookURL, "events": ["claim.paid"]], "events[0]", "enum"),
                    (["url": Self.hookURL, "events": ["roster.imported", "roster.imported"]], "events[1]", "unique"),
                    (["url": Self.hookURL, "events": ["roster.imported"], "description": String(repeating: "é", count: 501)], "description", "max_length"),
                    (["url": Self.hookURL, "events": ["roster.imported"], "secret": "whsec_mine"], "secret", "unknown_field"),
                    (["events": ["roster.imported"]], "url", "required"),
                    (["url": Self.hookURL, "events": ["roster.imported"], "enabled": NSNull()], "enabled", "not_null"),
                ]
                for (body, field, rule) in invalid {
                    let response = try await Self.create(client, key, slug, body)
                    #expect(response.status == .unprocessableContent, "\(body)")
                    try #expect(response.problemCode() == "validation_failed")
                    let errors = try #require(try response.object()["errors"] as? [[String: Any]])
                    #expect(errors.contains { $0["field"] as? String == field && $0["rule"] as? String == rule }, "\(body): \(errors)")
                }
                try await Self.refusesMalformedBodies(client, key, uri: "/v1/admin/plans/\(slug)/webhooks", method: .post)
                // French by default.
                try await client.execute(uri: "/v1/admin/plans/\(slug)/webhooks", method: .post, headers: .admin(key),
                                         body: .json(["url": "https://192.168.1.10/x", "events": ["claim.submitted"]])) { response in
                    try #expect(response.object()["title"] as? String == "Adresse de webhook refusée")
                }
                // The same rules on a patch; nothing is changed.
                let id = try #require(try await Self.created(client, key, slug)["id"] as? String)
                try await client.execute(uri: "/v1/admin/plans/\(slug)/webhooks/\(id)", method: .patch, headers: .admin(key),
                                         body: .json(["url": "https://10.0.0.8/x", "enabled": false])) { response in
                    #expect(response.status == .unprocessableContent)
                    try #expect(response.problemCode() == "webhook_url_forbidden")
                }
                try await client.execute(uri: "/v1/admin/plans/\(slug)/webhooks/\(id)", method: .patch, headers: .admin(key), body: .json(["events": ["nope"]])) { response in
                    try #expect(response.problemCode() == "validation_failed")
                }
                for field in ["url", "events", "enabled"] {
                    try await client.execute(uri: "/v1/admin/plans/\(slug)/webhooks/\(id)", method: .patch, headers: .admin(key), body: .json([field: NSNull(), "description": "x"])) { response in
                        #expect(response.status == .unprocessableContent, "\(field): null")
                        let errors = try #require(try response.object()["errors"] as? [[String: Any]])
                        #expect(errors.first?["rule"] as? String == "not_null")
                    }
                }
                try await client.execute(uri: "/v1/admin/plans/\(slug)/webhooks/\(id)", method: .get, headers: .admin(key)) { response in
                    let body = try response.object()
                    #expect(body["enabled"] as? Bool == true && body["url"] as? String == Self.hookURL)
                }
            }
        }

        @Test(.tags(.createWebhook, .getWebhook, .updateWebhook, .deleteWebhook, .rotateWebhookSecret, .listWebhookDeliveries, .replayWebhookDelivery))
        func unknownOtherPlansAndForbiddenEndpointsAre404() async throws {
            try await TestEnvironment.withApp { client, services, key in
                let slug = try await Self.plan(client, key)
                let other = try await Self.plan(client, key)
                let id = try #require(try await Self.created(client, key, slug)["id"] as? String)
                let unknown = UUID().uuidString.lowercased()
                let requests: [(HTTPRequest.Method, String)] = [
                    (.get, ""), (.patch, ""), (.delete, ""), (.post, "/rotate-secret"), (.get, "/deliveries"), (.post, "/deliveries/\(unknown)/replay"),
                ]
                // Another plan's endpoint, an unknown id and a malformed id are all "not found here".
                for webhook in [unknown, "not-a-uuid"] {
                    for (method, suffix) in requests {
                        let response = try await client.execute(
                            uri: "/v1/admin/plans/\(slug)/webhooks/\(webhook)\(suffix)", method: method, headers: .admin(key),
                            body: method == .patch ? .json(["enabled": true]) : nil
                        )
                        #expect(response.status == .notFound, "\(method) \(webhook)\(suffix)")
                        try #expect(response.problemCode() == "webhook_not_found", "\(method) \(webhook)\(suffix)")
                    }
                }
                for (method, suffix) in requests {
                    let response = try await client.execute(
                        uri: "/v1/admin/plans/\(other)/webhooks/\(id)\(suffix)", method: method, headers: .admin(key),
                        body: method == .patch ? .json(["enabled": false]) : nil
                    )
                    #expect(response.status == .notFound, "\(method) other plan \(suffix)")
                }
                try await client.execute(uri: "/v1/admin/plans/\(slug)/webhooks/\(id)/deliveries/\(unknown)/replay", method: .post, headers: .admin(key)) { response in
                    #expect(response.status == .notFound)
                    try #expect(response.problemCode() == "webhook_delivery_not_found")
                }
                // A plan-admin key of the other plan sees nothing of this one.
                let (_, otherAdmin) = try await services.adminKeys.create(name: "other-admin", role: .planAdmin, plans: [PlanSlug(other)!])
                for uri in ["/v1/admin/plans/\(slug)/webhooks", "/v1/admin/plans/\(slug)/webhooks/\(id)"] {
                    try await client.execute(uri: uri, method: .get, headers: .admin(otherAdmin)) { response in
                        #expect(response.status == .notFound)
                        try #expect(response.problemCode() == "plan_not_found")
                    }
                }
                try await client.execute(uri: "/v1/admin/plans/\(slug)/webhooks", method: .get) { #expect($0.status == .unauthorized) }
                try await client.execute(uri: "/v1/admin/plans/Not_A_Slug/webhooks", method: .get, headers: .admin(key)) { response in
                    #expect(response.status == .unprocessableContent)
                    try #expect(response.problemCode() == "invalid_plan_slug")
                }
                try await Self.refusesMalformedBodies(client, key, uri: "/v1/admin/plans/\(slug)/webhooks/\(id)", method: .patch)
                // Its own plan's admin may manage them.
                let (_, planAdmin) = try await services.adminKeys.create(name: "plan-admin", role: .planAdmin, plans: [PlanSlug(slug)!])
                try await client.execute(uri: "/v1/admin/plans/\(slug)/webhooks/\(id)", method: .get, headers: .admin(planAdmin)) { #expect($0.status == .ok) }
                // The endpoint is untouched by all of the above.
                try await client.execute(uri: "/v1/admin/plans/\(slug)/webhooks/\(id)", method: .get, headers: .admin(key)) { response in
                    try #expect(response.object()["enabled"] as? Bool == true)
                }
            }
        }

        @Test(.tags(.createWebhook)) func aPlanHasAtMostTwentyEndpointsEvenUnderConcurrentCreations() async throws {
            try await TestEnvironment.withApp { client, services, key in
                let slug = try await Self.plan(client, key)
                let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                    for i in 0..<25 {
                        group.addTask {
                            try await Self.create(client, key, slug, ["url": "\(Self.hookURL)/\(i)", "events": ["roster.imported"]]).status.code
                        }
                    }
                    return try await group.reduce(into: [Int]()) { $0.append($1) }
                }
                #expect(statuses.filter { $0 == 201 }.count == WebhookRepository.maxEndpointsPerPlan)
                #expect(statuses.filter { $0 == 409 }.count == 25 - WebhookRepository.maxEndpointsPerPlan)
                let response = try await Self.create(client, key, slug, ["url": Self.hookURL, "events": ["roster.imported"]])
                try #expect(response.problemCode() == "webhook_limit_reached")
                let rows = try await services.postgres.query("SELECT count(*)::int FROM control.webhook_endpoints WHERE plan_slug = \(slug)")
                #expect(try await rows.decode(Int.self).one() == WebhookRepository.maxEndpointsPerPlan)
            }
        }

        @Test(.tags(.listWebhookDeliveries, .replayWebhookDelivery, .updateWebhook))
        func deliveriesAreListedByKeysetAndOnlyFinishedOnesReplay() async throws {
            try await TestEnvironment.withApp { client, services, key in
                let slug = try await Self.plan(client, key)
                let id = try #require(try await Self.created(client, key, slug, events: ["roster.imported"])["id"] as? String)
                let base = "/v1/admin/plans/\(slug)/webhooks/\(id)"
                for n in 1...3 {
                    try await services.postgres.withTransaction(logger: TestEnvironment.logger) { tx in
                        try await services.webhookOutbox.enqueue(.rosterImported(.init(inserted: n, updated: 0, unchanged: 0)), plan: PlanSlug(slug)!, on: tx)
                    }
                }
                let first = try await client.execute(uri: "\(base)/deliveries?limit=2", method: .get, headers: .admin(key)) { response in
                    #expect(response.status == .ok)
                    return try response.object()
                }
                let items = try #require(first["items"] as? [[String: Any]])
                #expect(items.count == 2)
                #expect(items.allSatisfy { $0["status"] as? String == "pending" && $0["attempts"] as? Int == 0 && $0["eventType"] as? String == "roster.imported" })
                let cursor = try #require(first["nextCursor"] as? String)
                let second = try await client.execute(uri: "\(base)/deliveries?limit=2&cursor=\(cursor)", method: .get, headers: .admin(key)) { try $0.object() }
                let rest = try #require(second["items"] as? [[String: Any]])
                #expect(rest.count == 1 && second["nextCursor"] is NSNull)
                let all = items + rest
                #expect(Set(all.compactMap { $0["id"] as? String }).count == 3)

                // Still to be tried: no replay.
                let pending = try #require(all.first?["id"] as? String)
                try await client.execute(uri: "\(base)/deliveries/\(pending)/replay", method: .post, headers: .admin(key)) { response in
                    #expect(response.status == .conflict)
                    try #expect(response.problemCode() == "webhook_delivery_pending")
                }
                // Disabling gives up the pending ones; a disabled endpoint does not replay.
                try await client.execute(uri: base, method: .patch, headers: .admin(key), body: .json(["enabled": false])) { #expect($0.status == .ok) }
                let dead = try await client.execute(uri: "\(base)/deliveries?status=dead", method: .get, headers: .admin(key)) { response in
                    try #require(try response.object()["items"] as? [[String: Any]])
                }
                #expect(dead.count == 3 && dead.allSatisfy { $0["lastError"] as? String == "endpoint_disabled" && $0["nextAttemptAt"] is NSNull })
                try await client.execute(uri: "\(base)/deliveries/\(pending)/replay", method: .post, headers: .admin(key)) { response in
                    #expect(response.status == .conflict)
                    try #expect(response.problemCode() == "webhook_disabled")
                }
                try await client.execute(uri: base, method: .patch, headers: .admin(key), body: .json(["enabled": true])) { #expect($0.status == .ok) }
                let replayed = try await client.execute(uri: "\(base)/deliveries/\(pending)/replay", method: .post, headers: .admin(key)) { response in
                    #expect(response.status == .accepted)
                    return try response.object()
                }
                #expect(replayed["replayOf"] as? String == pending)
                #expect(replayed["status"] as? String == "pending")
                #expect(replayed["eventId"] as? String == all.first?["eventId"] as? String, "a replay carries the same webhook-id")
                #expect(try await client.execute(uri: "\(base)/deliveries?status=pending", method: .get, headers: .admin(key)) { try $0.object()["items"] as? [Any] }?.count == 1)
                #expect(try await services.audit.list(plan: PlanSlug(slug)!, limit: 5, before: nil).items.first?.action == "webhook.delivery_replayed")

                for query in ["status=failed", "limit=0", "limit=101", "cursor=nope"] {
                    try await client.execute(uri: "\(base)/deliveries?\(query)", method: .get, headers: .admin(key)) { response in
                        #expect(response.status == .unprocessableContent, "\(query)")
                        try #expect(response.problemCode() == "validation_failed")
                    }
                }
            }
        }

        @Test(.tags(.rotateWebhookSecret, .getWebhook)) func rotationKeepsThePreviousSecretFor24Hours() async throws {
            try await TestEnvironment.withApp { client, services, key in
                let slug = try await Self.plan(client, key)
                let created = try await Self.created(client, key, slug)
                let id = try #require(created["id"] as? String)
                let first = try #require(created["secret"] as? String)
                let rotated = try await client.execute(uri: "/v1/admin/plans/\(slug)/webhooks/\(id)/rotate-secret", method: .post, headers: .admin(key)) { response in
                    #expect(response.status == .ok)
                    #expect(response.headers[.cacheControl] == "no-store")
                    return try response.object()
                }
                let second = try #require(rotated["secret"] as? String)
                #expect(second != first && second.hasPrefix("whsec_"))
                let expires = try #require((rotated["previousSecretExpiresAt"] as? String).flatMap { try? Date($0, strategy: .iso8601) })
                #expect(abs(expires.timeIntervalSinceNow - 24 * 3600) < 120)
                let shown = try await client.execute(uri: "/v1/admin/plans/\(slug)/webhooks/\(id)", method: .get, headers: .admin(key)) { try $0.object() }
                #expect(shown["previousSecretExpiresAt"] as? String == rotated["previousSecretExpiresAt"] as? String)
                let context = WebhookRepository.secretContext(plan: slug, endpoint: UUID(uuidString: id)!)
                let (stored, previous) = try await Self.storedSecrets(services, id)
                #expect(try services.secrets.open(stored, context: context) == second)
                #expect(try services.secrets.open(try #require(previous), context: context) == first)
                #expect(try await services.audit.list(plan: PlanSlug(slug)!, limit: 5, before: nil).items.first?.action == "webhook.secret_rotated")
            }
        }

        /// `planportal secrets rotate` (and `serve` at start) re-seal webhook secrets under a new
        /// SECRETS_KEY; the secret itself does not change, so receivers notice nothing.
        @Test func aNewSecretsKeyResealsWebhookSecrets() async throws {
            try await TestEnvironment.withApp { client, services, key in
                let slug = try await Self.plan(client, key)
                let created = try await Self.created(client, key, slug)
                let id = try #require(created["id"] as? String)
                _ = try await client.execute(uri: "/v1/admin/plans/\(slug)/webhooks/\(id)/rotate-secret", method: .post, headers: .admin(key)) { try $0.object() }
                let (before, previousBefore) = try await Self.storedSecrets(services, id)
                let newKey = try SecretBox.Key(base64: SecretBox.Key.generate())
                let rotated = SecretBox(current: newKey, previous: [services.secrets.current])
                let changed = try await SecretRotation(client: services.postgres, secrets: rotated, logger: TestEnvironment.logger).resealAll(plans: [slug])
                #expect(changed == [slug])
                let (after, previousAfter) = try await Self.storedSecrets(services, id)
                #expect(after.hasPrefix("enc:v1:\(newKey.id):") && previousAfter?.hasPrefix("enc:v1:\(newKey.id):") == true)
                let context = WebhookRepository.secretContext(plan: slug, endpoint: UUID(uuidString: id)!)
                #expect(try rotated.open(after, context: context) == services.secrets.open(before, context: context))
                #expect(try rotated.open(previousAfter!, context: context) == services.secrets.open(previousBefore!, context: context))
                #expect(throws: SecretBox.Failure.self, "the old key alone no longer opens it") { try SecretBox(current: services.secrets.current).open(after, context: context) }
                #expect(throws: SecretBox.Failure.self, "bound to its endpoint") { try rotated.open(after, context: "\(slug)/webhooks/\(UUID().uuidString.lowercased())") }
                #expect(try await SecretRotation(client: services.postgres, secrets: rotated, logger: TestEnvironment.logger).resealAll(plans: [slug]) == [])
                // Back under the suite's key, so servers started later (which re-seal every plan) can open them.
                let back = SecretBox(current: services.secrets.current, previous: [newKey])
                #expect(try await SecretRotation(client: services.postgres, secrets: back, logger: TestEnvironment.logger).resealAll(plans: [slug]) == [slug])
            }
        }
    }
}
