import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import PostgresNIO
import Prometheus
import Testing

@testable import PlanPortal

extension WebhookTests {
    /// Issue #14: deliveries to a receiver on loopback, signed, retried, isolated, shared by replicas.
    @Suite struct Delivery {
        static let allEvents = WebhookEventType.allCases.map(\.rawValue)

        static func register(_ client: any TestClientProtocol, _ key: String, _ slug: String, url: String, events: [String] = allEvents) async throws -> (id: String, secret: String) {
            let body = try await Admin.create(client, key, slug, ["url": url, "events": events])
            #expect(body.status == .created, "\(String(buffer: body.status == .created ? ByteBuffer() : body.body))")
            let object = try body.object()
            return (try #require(object["id"] as? String), try #require(object["secret"] as? String))
        }

        /// Every statement of a plan's deliveries: (event type, status, attempts), oldest first.
        static func deliveries(_ services: AppServices, _ slug: String) async throws -> [(String, String, Int)] {
            let rows = try await services.postgres.query(
                "SELECT event_type, status, attempts FROM control.webhook_deliveries WHERE plan_slug = \(slug) ORDER BY seq"
            )
            var found: [(String, String, Int)] = []
            for try await row in rows.decode((String, String, Int).self) { found.append(row) }
            return found
        }

        static func enqueue(_ services: AppServices, _ slug: String, _ events: [WebhookEvent]) async throws {
            try await services.postgres.withTransaction(logger: TestEnvironment.logger) { tx in
                for event in events { try await services.webhookOutbox.enqueue(event, plan: PlanSlug(slug)!, on: tx) }
            }
        }

        /// Runs `body` while `service` delivers in the background.
        static func whileDelivering<T: Sendable>(_ service: WebhookDeliveryService, _ body: () async throws -> T) async throws -> T {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await service.run() }
                defer { group.cancelAll() }
                return try await body()
            }
        }

        /// The member journey and the TPA's decisions, with an endpoint subscribed to every type:
        /// one signed request per change (a 500 answered once is retried with the same id after
        /// 5 s), data by certificate number only, and a replay with the same id again.
        @Test(.tags(.importRoster, .activateAccount, .submitClaim, .changeClaimStatus, .decideClaim, .replayWebhookDelivery, .rotateWebhookSecret))
        func everyChangeIsDeliveredOnceSignedAndRetriedWithItsId() async throws {
            let inbox = WebhookInbox()
            await inbox.setFailFirst(["claim.submitted"])
            try await webhookReceiver(inbox).test(.live) { receiver in
                let port = try #require(receiver.port)
                try await TestEnvironment.withApp { client, services, key in
                    let f = try await MemberFixture.make(client: client, key: key)
                    let (webhookID, secret) = try await Self.register(client, key, f.slug, url: "http://127.0.0.1:\(port)/hook/ok")
                    let registry = PrometheusCollectorRegistry()
                    let service = services.webhookDeliveryService(plans: [f.slug], metrics: PrometheusMetricsFactory(registry: registry))
                    try await Self.whileDelivering(service) {
                        // The changes, each through its API.
                        let csv = "certificate_number,last_name,first_name,date_of_birth,email\n\(f.certificate),\(f.lastName),\(f.firstName),\(f.dateOfBirth),\nZ\(f.certificate),Roy,Luc,1990-01-01,\n"
                        try await client.execute(uri: "/v1/admin/plans/\(f.slug)/roster", method: .put,
                                                 headers: [.authorization: "Bearer \(key)", .contentType: "text/csv"], body: ByteBuffer(string: csv)) {
                            #expect($0.status == .ok)
                        }
                        try await f.activate(client, services)
                        let token = try #require(try await f.login(client).object()["accessToken"] as? String)
                        try await client.execute(uri: "/v1/admin/plans/\(f.slug)/benefits", method: .put, headers: .admin(key), body: .json(ClaimsFixture.benefits)) {
                            #expect($0.status == .ok)
                        }
                        let claims = ClaimsFixture(member: f, key: key, tokenA: token, tokenB: token)
                        let claimID = try await claims.submit(client)
                        try await claims.review(client, claimID)
                        #expect(try await claims.admin(client, claimID, "decision", ["outcome": "approved"]).status == .ok)
                        #expect(try await claims.admin(client, claimID, "status", ["status": "paid"]).status == .ok)

                        // Six changes, seven requests (the first claim.submitted answered 500).
                        try await TestEnvironment.waitUntil("every delivery succeeded", seconds: 30) {
                            let rows = try await Self.deliveries(services, f.slug)
                            return rows.count == 6 && rows.allSatisfy { $0.1 == "succeeded" }
                        }
                        let requests = await inbox.received()
                        #expect(Dictionary(grouping: requests, by: \.type).mapValues(\.count) == [
                            "roster.imported": 1, "member.activated": 1, "claim.submitted": 2, "claim.status_changed": 3,
                        ])
                        #expect(try await Self.deliveries(services, f.slug).map(\.2) == [1, 1, 2, 1, 1, 1], "one attempt each, two for the retried one")
                        for request in requests {
                            #expect(verifiesStandardSignature(request, secret: secret), "\(request.type) is signed with the endpoint's secret")
                            #expect(request.event["id"] as? String == request.id)
                            #expect(request.event["plan"] as? String == f.slug)
                            #expect((request.event["occurredAt"] as? String).flatMap { try? Date($0, strategy: .iso8601) } != nil)
                            let text = String(decoding: request.body, as: UTF8.self)
                            for secretThing in [f.dateOfBirth, "1990-01-01", "Soleil#Nord42", "Minou", f.email, "Détartrage", "Clinique du Plateau", "token"] {
                                #expect(!text.contains(secretThing), "\(request.type) carries no \(secretThing)")
                            }
                        }
                        #expect(Set(requests.map(\.id)).count == 6, "one id per change")
                        let submitted = requests.filter { $0.type == "claim.submitted" }
                        #expect(submitted.count == 2 && submitted[0].id == submitted[1].id, "the retry keeps its webhook-id")
                        #expect(submitted[0].answered == 500 && submitted[1].answered == 204)
                        #expect(submitted[1].at - submitted[0].at >= .milliseconds(4900), "retried after 5 s")
                        #expect(submitted[1].body == submitted[0].body, "the same bytes, signed again")

                        let imported = try #require(requests.first { $0.type == "roster.imported" }).data
                        #expect(imported as NSDictionary == ["roster": "members", "inserted": 0, "updated": 0, "unchanged": 2] as NSDictionary)
                        let activated = try #require(requests.first { $0.type == "member.activated" }).data
                        #expect(activated as NSDictionary == ["certificateNumber": f.certificate] as NSDictionary)
                        let claim = submitted[1].data
                        #expect(claim["claimId"] as? String == claimID && claim["certificateNumber"] as? String == f.certificate)
                        #expect(claim["status"] as? String == "submitted" && claim["previousStatus"] == nil && claim["patient"] as? String == "self")
                        #expect(claim["amountCents"] as? Int == 10_000 && claim["approvedAmountCents"] is NSNull && claim["currency"] as? String == "CAD")
                        #expect(claim["category"] as? String == "dental" && claim["serviceDate"] as? String == CalendarDate.today())
                        // Attempts run concurrently: the three changes may arrive in any order.
                        let changes = requests.filter { $0.type == "claim.status_changed" }.map(\.data)
                        let steps = Set(changes.map { "\($0["previousStatus"] as? String ?? "?")→\($0["status"] as? String ?? "?")" })
                        #expect(steps == ["submitted→in_review", "in_review→approved", "approved→paid"])
                        #expect(changes.first { $0["status"] as? String == "in_review" }?["approvedAmountCents"] is NSNull)
                        #expect(changes.filter { $0["status"] as? String != "in_review" }.map { $0["approvedAmountCents"] as? Int } == [8_000, 8_000], "80 % of 100 $")

                        // The deliveries as the TPA sees them.
                        let listed = try await client.execute(uri: "/v1/admin/plans/\(f.slug)/webhooks/\(webhookID)/deliveries", method: .get, headers: .admin(key)) { response in
                            #expect(response.status == .ok)
                            return try #require(try response.object()["items"] as? [[String: Any]])
                        }
                        #expect(listed.count == 6 && listed.allSatisfy { $0["status"] as? String == "succeeded" && $0["lastResponseCode"] as? Int == 204 })
                        let retried = try #require(listed.first { $0["eventType"] as? String == "claim.submitted" })
                        #expect(retried["attempts"] as? Int == 2 && retried["lastError"] is NSNull && retried["lastAttemptAt"] is String)

                        // A replay: the same event and id once more.
                        let deliveryID = try #require(retried["id"] as? String)
                        try await client.execute(uri: "/v1/admin/plans/\(f.slug)/webhooks/\(webhookID)/deliveries/\(deliveryID)/replay", method: .post, headers: .admin(key)) {
                            #expect($0.status == .accepted)
                        }
                        try await TestEnvironment.waitUntil("the replay arrived") { await inbox.received().count == 8 }
                        let replay = try #require(await inbox.received().last)
                        #expect(replay.id == submitted[0].id && replay.body == submitted[0].body && verifiesStandardSignature(replay, secret: secret))

                        // After a rotation both secrets sign, each on its own.
                        let rotated = try await client.execute(uri: "/v1/admin/plans/\(f.slug)/webhooks/\(webhookID)/rotate-secret", method: .post, headers: .admin(key)) {
                            try #require(try $0.object()["secret"] as? String)
                        }
                        try await client.execute(uri: "/v1/admin/plans/\(f.slug)/roster", method: .put,
                                                 headers: [.authorization: "Bearer \(key)", .contentType: "text/csv"], body: ByteBuffer(string: csv)) {
                            #expect($0.status == .ok)
                        }
                        try await TestEnvironment.waitUntil("the import after the rotation arrived") { await inbox.received().count == 9 }
                        let afterRotation = try #require(await inbox.received().last)
                        #expect(afterRotation.signature.split(separator: " ").count == 2)
                        #expect(verifiesStandardSignature(afterRotation, secret: rotated))
                        #expect(verifiesStandardSignature(afterRotation, secret: secret))
                        #expect(!verifiesStandardSignature(afterRotation, secret: WebhookSignature.newSecret()))

                        try await TestEnvironment.waitUntil("every delivery recorded") {
                            try await Self.deliveries(services, f.slug).allSatisfy { $0.1 == "succeeded" }
                        }
                        var exposition: [UInt8] = []
                        registry.emit(into: &exposition)
                        let metrics = String(decoding: exposition, as: UTF8.self)
                        #expect(metrics.contains(#"planportal_webhook_deliveries_total{outcome="succeeded"} 8"#), "\(metrics)")
                        #expect(metrics.contains(#"planportal_webhook_deliveries_total{outcome="failed"} 1"#))
                        #expect(metrics.contains("planportal_webhook_queue_age_seconds"))
                    }
                }
            }
        }

        /// A plan whose endpoint hangs holds a bounded share of the attempts: another plan's event
        /// arrives at once, not after the hanging attempts time out (10 s). An endpoint that
        /// refuses connections fails at once and is retried later.
        @Test func aDeadEndpointDoesNotDelayOtherPlans() async throws {
            let inbox = WebhookInbox()
            try await webhookReceiver(inbox).test(.live) { receiver in
                let port = try #require(receiver.port)
                defer { Task { await inbox.release() } }
                try await TestEnvironment.withApp { client, services, key in
                    let stuck = try await Admin.plan(client, key)
                    let other = try await Admin.plan(client, key)
                    _ = try await Self.register(client, key, stuck, url: "http://127.0.0.1:\(port)/hook/hang", events: ["roster.imported"])
                    _ = try await Self.register(client, key, other, url: "http://127.0.0.1:\(port)/hook/ok", events: ["roster.imported"])
                    let limits = WebhookOutbox.Limits()
                    // More of the stuck plan's deliveries than this replica has slots, all due first.
                    let backlog = (0...limits.concurrency).map { WebhookEvent.rosterImported(.init(inserted: $0, updated: 0, unchanged: 0)) }
                    try await Self.enqueue(services, stuck, backlog)

                    try await Self.whileDelivering(services.webhookDeliveryService(plans: [stuck, other], limits: limits)) {
                        try await TestEnvironment.waitUntil("the hanging endpoint holds its share") { await inbox.hanging == limits.perEndpoint }
                        let queued = ContinuousClock.now
                        try await Self.enqueue(services, other, [.rosterImported(.init(inserted: 1, updated: 0, unchanged: 0))])
                        try await TestEnvironment.waitUntil("the other plan's event arrived", seconds: 15) { !(await inbox.received(path: "ok")).isEmpty }
                        let waited = try #require(await inbox.received(path: "ok").first).at - queued
                        #expect(waited < .seconds(2), "delivered in \(waited), not after the 10 s timeouts of the hanging attempts")
                        #expect(await inbox.mostHanging == limits.perEndpoint, "never more than its share at once")
                    }

                    // Connection refused: a failed attempt at once (no waiting out the connect timeout), retried later.
                    let refusing = try await Admin.plan(client, key)
                    let closed = try await ServerProcess.freePort()
                    _ = try await Self.register(client, key, refusing, url: "http://127.0.0.1:\(closed)/hook", events: ["roster.imported"])
                    try await Self.enqueue(services, refusing, [.rosterImported(.init(inserted: 1, updated: 0, unchanged: 0))])
                    let started = ContinuousClock.now
                    #expect(try await services.webhookDeliveryService(plans: [refusing]).deliverDue() == 0)
                    #expect(ContinuousClock.now - started < .seconds(2))
                    let (status, attempts, error, code, later) = try await Self.lastDelivery(services, refusing)
                    #expect(status == "pending" && attempts == 1 && error == "connect" && code == nil && later, "retried in 5 s")
                }
            }
            await inbox.release()
        }

        /// Each kind of failed attempt is recorded and retried on the schedule: a redirect (not
        /// followed), no answer within the attempt timeout, an address the outbound policy refuses
        /// at delivery time (stored before the rule, or resolved to it). A delivery whose next
        /// attempt would fall after the 3 days, or found older than them, is dead and audited.
        @Test(.tags(.listWebhookDeliveries))
        func failedAttemptsAreRetriedThenDeadAfterThreeDays() async throws {
            let inbox = WebhookInbox()
            try await webhookReceiver(inbox).test(.live) { receiver in
                let port = try #require(receiver.port)
                try await TestEnvironment.withApp { client, services, key in
                    let registry = PrometheusCollectorRegistry()
                    func service(_ slug: String) -> WebhookDeliveryService {
                        WebhookDeliveryService(
                            outbox: services.webhookOutbox, http: OutboundHTTPClient(policy: services.outbound.policy, retriesConnecting: false),
                            secrets: services.secrets, logger: TestEnvironment.logger, attemptTimeout: .seconds(1), plans: [slug],
                            metrics: PrometheusMetricsFactory(registry: registry)
                        )
                    }
                    /// A plan with one endpoint at `url` and one queued event, attempted once: its delivery row after.
                    func attemptOnce(url: String) async throws -> (slug: String, row: (String, Int, String?, Int?, Bool)) {
                        let slug = try await Admin.plan(client, key)
                        _ = try await Self.register(client, key, slug, url: url, events: ["roster.imported"])
                        try await Self.enqueue(services, slug, [.rosterImported(.init(inserted: 1, updated: 0, unchanged: 0))])
                        #expect(try await service(slug).deliverDue() == 0)
                        return (slug, try await Self.lastDelivery(services, slug))
                    }

                    let redirected = try await attemptOnce(url: "http://127.0.0.1:\(port)/hook/redirect").row
                    #expect(redirected == ("pending", 1, "http_302", 302, true), "\(redirected)")
                    #expect(await inbox.received(path: "redirect").count == 1)
                    #expect(await inbox.received(path: "ok").isEmpty, "the redirect is not followed")

                    let started = ContinuousClock.now
                    let timedOut = try await attemptOnce(url: "http://127.0.0.1:\(port)/hook/hang").row
                    #expect(ContinuousClock.now - started < .seconds(5), "given up at the attempt timeout")
                    #expect(timedOut == ("pending", 1, "timeout", nil, true), "\(timedOut)")
                    await inbox.release()

                    // Stored before the rule (or changed behind the API): refused at delivery, nothing sent.
                    let slug = try await Admin.plan(client, key)
                    let (id, _) = try await Self.register(client, key, slug, url: "http://127.0.0.1:\(port)/hook/ok", events: ["roster.imported"])
                    try await services.postgres.query("UPDATE control.webhook_endpoints SET url = 'https://10.0.0.1/hook' WHERE id = \(UUID(uuidString: id)!)")
                    try await Self.enqueue(services, slug, [.rosterImported(.init(inserted: 1, updated: 0, unchanged: 0))])
                    #expect(try await service(slug).deliverDue() == 0)
                    let refused = try await Self.lastDelivery(services, slug)
                    #expect(refused == ("pending", 1, "refused: forbidden_address", nil, true), "\(refused)")
                    #expect(await inbox.received(path: "ok").isEmpty)

                    // Five attempts failed and the sixth would come 4 h later, past the 3 days: dead.
                    let dying = try await Admin.plan(client, key)
                    let (dyingID, _) = try await Self.register(client, key, dying, url: "http://127.0.0.1:\(port)/hook/fail", events: ["roster.imported"])
                    try await Self.enqueue(services, dying, [.rosterImported(.init(inserted: 1, updated: 0, unchanged: 0))])
                    try await services.postgres.query(
                        "UPDATE control.webhook_deliveries SET attempts = 5, created_at = now() - interval '3 days' + interval '1 hour' WHERE plan_slug = \(dying)"
                    )
                    #expect(try await service(dying).deliverDue() == 0)
                    let died = try await Self.lastDelivery(services, dying)
                    #expect(died.0 == "dead" && died.1 == 6 && died.2 == "http_500" && died.3 == 500, "\(died)")
                    #expect(await inbox.received(path: "fail").count == 1)
                    // Found older than 3 days: dead without another attempt.
                    try await Self.enqueue(services, dying, [.rosterImported(.init(inserted: 2, updated: 0, unchanged: 0))])
                    try await services.postgres.query(
                        "UPDATE control.webhook_deliveries SET created_at = now() - interval '3 days 1 minute' WHERE plan_slug = \(dying) AND status = 'pending'"
                    )
                    #expect(try await service(dying).deliverDue() == 0)
                    let expired = try await Self.lastDelivery(services, dying)
                    #expect(expired.0 == "dead" && expired.1 == 1 && expired.2 == "expired" && expired.3 == nil, "\(expired)")
                    #expect(await inbox.received(path: "fail").count == 1, "nothing sent for an expired delivery")

                    let listed = try await client.execute(uri: "/v1/admin/plans/\(dying)/webhooks/\(dyingID)/deliveries?status=dead", method: .get, headers: .admin(key)) { response in
                        #expect(response.status == .ok)
                        return try #require(try response.object()["items"] as? [[String: Any]])
                    }
                    #expect(listed.map { $0["lastError"] as? String } == ["expired", "http_500"])
                    #expect(listed.allSatisfy { $0["nextAttemptAt"] is NSNull })
                    let audited = try await services.audit.list(plan: PlanSlug(dying)!, limit: 10, before: nil).items.filter { $0.action == "webhook.delivery_dead" }
                    #expect(audited.count == 2 && audited.allSatisfy { $0.actorType == "system" && $0.details.outcome == "roster.imported" })

                    var exposition: [UInt8] = []
                    registry.emit(into: &exposition)
                    let metrics = String(decoding: exposition, as: UTF8.self)
                    #expect(metrics.contains(#"planportal_webhook_deliveries_total{outcome="failed"} 3"#), "\(metrics)")
                    #expect(metrics.contains(#"planportal_webhook_deliveries_total{outcome="dead"} 2"#), "\(metrics)")
                }
            }
            await inbox.release()
        }

        /// 24 h after a rotation the previous secret no longer signs: one signature, the new
        /// secret's. A 2xx must come within 10 s by default.
        @Test(.tags(.rotateWebhookSecret, .getWebhook)) func theRotatedOutSecretStopsSigningAfter24Hours() async throws {
            let inbox = WebhookInbox()
            try await webhookReceiver(inbox).test(.live) { receiver in
                let port = try #require(receiver.port)
                try await TestEnvironment.withApp { client, services, key in
                    let slug = try await Admin.plan(client, key)
                    let (id, first) = try await Self.register(client, key, slug, url: "http://127.0.0.1:\(port)/hook/ok", events: ["member.activated"])
                    let second = try await client.execute(uri: "/v1/admin/plans/\(slug)/webhooks/\(id)/rotate-secret", method: .post, headers: .admin(key)) {
                        try #require(try $0.object()["secret"] as? String)
                    }
                    try await services.postgres.query(
                        "UPDATE control.webhook_endpoints SET previous_secret_expires_at = now() - interval '1 second' WHERE id = \(UUID(uuidString: id)!)"
                    )
                    try await Self.enqueue(services, slug, [.memberActivated(certificateNumber: "C100300")])
                    let service = services.webhookDeliveryService(plans: [slug])
                    #expect(service.attemptTimeout == .seconds(10))
                    #expect(try await service.deliverDue() == 1)
                    let request = try #require(await inbox.received().first)
                    #expect(!request.signature.contains(" "), "one signature: \(request.signature)")
                    #expect(verifiesStandardSignature(request, secret: second))
                    #expect(!verifiesStandardSignature(request, secret: first))
                    try await client.execute(uri: "/v1/admin/plans/\(slug)/webhooks/\(id)", method: .get, headers: .admin(key)) { response in
                        try #expect(response.object()["previousSecretExpiresAt"] is NSNull)
                    }
                }
            }
        }

        /// The newest delivery of a plan: status, attempts, last error, last response code, and
        /// whether its next attempt is more than 3 s away.
        static func lastDelivery(_ services: AppServices, _ slug: String) async throws -> (String, Int, String?, Int?, Bool) {
            let rows = try await services.postgres.query(
                """
                SELECT status, attempts, last_error, last_response_code, next_attempt_at > now() + interval '3 seconds'
                FROM control.webhook_deliveries WHERE plan_slug = \(slug) ORDER BY seq DESC LIMIT 1
                """
            )
            return try #require(try await rows.decode((String, Int, String?, Int?, Bool).self).one())
        }

        /// Two `planportal serve` processes deliver one plan's events: every event arrives once,
        /// but the retried ones (answered 500 the first time, then again from either replica),
        /// and both replicas took part.
        @Test func twoReplicasDeliverEachEventOnce() async throws {
            let inbox = WebhookInbox()
            await inbox.setFailFirst(["member.activated"])
            try await webhookReceiver(inbox).test(.live) { receiver in
                let port = try #require(receiver.port)
                let slug = try await TestEnvironment.withServices { services in
                    let input = try PlanCreateInput(slug: TestEnvironment.uniqueSlug("two"), nameFr: "R", nameEn: "P", emailDomains: ["example.ca"], portalUrl: "https://portal.example.ca").validated()
                    return try await services.plans.create(input, audit: NewAuditEvent(action: "plan.created", actor: .system)).slug.value
                }
                let environment = ["WEBHOOK_DELIVERY": "on"]
                let a = try await ServerProcess.start(environment: environment)
                let b = try await ServerProcess.start(environment: environment)
                defer { a.stop(); b.stop() }
                #expect(await a.ready())
                #expect(await b.ready())
                try await TestEnvironment.withServices { services in
                    let (_, key) = try await services.adminKeys.create(name: "two-replicas", role: .platform, plans: [])
                    let created = try await ServerProcess.send("POST", "\(a.base)/v1/admin/plans/\(slug)/webhooks", json: [
                        "url": "http://127.0.0.1:\(port)/hook/slow", "events": ["roster.imported", "member.activated"],
                    ], bearer: key)
                    #expect(created.status == .created)
                    let events = (0..<300).map { n in
                        n % 10 == 0 ? WebhookEvent.memberActivated(certificateNumber: "C\(n)") : .rosterImported(.init(inserted: n, updated: 0, unchanged: 0))
                    }
                    for batch in stride(from: 0, to: events.count, by: 50) {
                        try await Self.enqueue(services, slug, Array(events[batch..<batch + 50]))
                    }
                    try await TestEnvironment.waitUntil("every delivery succeeded", seconds: 60) {
                        try await Self.deliveries(services, slug).allSatisfy { $0.1 == "succeeded" }
                    }
                    let requests = await inbox.received(path: "slow")
                    let perID = Dictionary(grouping: requests, by: \.id)
                    #expect(perID.count == 300, "every event arrived")
                    let retried = perID.filter { $0.value.count > 1 }
                    #expect(retried.count == 30 && retried.values.allSatisfy { $0.count == 2 && $0.first?.type == "member.activated" },
                            "only the events answered 500 came twice")
                    let replicas = try await services.postgres.query(
                        "SELECT count(DISTINCT claimed_by)::int FROM control.webhook_deliveries WHERE plan_slug = \(slug)"
                    )
                    #expect(try await replicas.decode(Int.self).one() == 2, "both replicas delivered")
                }
            }
        }
    }
}

extension WebhookTests.Delivery {
    /// The receiver example of README.md ("Verifying a signature"), run by Python on a real
    /// delivery: it accepts it, and refuses a changed body or another secret.
    @Test func theReadmeExampleVerifiesARealDelivery() async throws {
        let readme = try String(contentsOf: repositoryRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let section = try #require(readme.components(separatedBy: "### Verifying a signature").dropFirst().first)
        let code = try #require(section.components(separatedBy: "```python\n").dropFirst().first?.components(separatedBy: "```").first)
        let inbox = WebhookInbox()
        try await webhookReceiver(inbox).test(.live) { receiver in
            let port = try #require(receiver.port)
            try await TestEnvironment.withApp { client, services, key in
                let slug = try await WebhookTests.Admin.plan(client, key)
                let (_, secret) = try await Self.register(client, key, slug, url: "http://127.0.0.1:\(port)/hook/ok")
                try await Self.enqueue(services, slug, [.memberActivated(certificateNumber: "C100200")])
                #expect(try await services.webhookDeliveryService(plans: [slug]).deliverDue() == 1)
                let request = try #require(await inbox.received().first)
                let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pp-readme-\(UUID().uuidString)")
                try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
                defer { try? FileManager.default.removeItem(at: directory) }
                try request.body.write(to: directory.appendingPathComponent("body"))
                let headers = ["webhook-id": request.id, "webhook-timestamp": request.timestamp, "webhook-signature": request.signature]
                let script = code + """

                    import json, sys
                    headers = json.loads(sys.argv[1])
                    body = open(sys.argv[2], "rb").read()
                    print(verify(sys.argv[3], headers, body), verify(sys.argv[3], headers, body + b" "), verify(sys.argv[4], headers, body))
                    """
                try script.write(to: directory.appendingPathComponent("verify.py"), atomically: true, encoding: .utf8)
                let process = Process()
                process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
                process.arguments = [
                    "python3", directory.appendingPathComponent("verify.py").path,
                    String(decoding: try JSONSerialization.data(withJSONObject: headers), as: UTF8.self),
                    directory.appendingPathComponent("body").path, secret, WebhookSignature.newSecret(),
                ]
                let verified = try await ChildProcess.run(process)
                #expect(verified.status == 0)
                #expect(verified.output.trimmingCharacters(in: .whitespacesAndNewlines) == "True False False")
            }
        }
    }
}
