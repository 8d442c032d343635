import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

@testable import PlanPortal

/// What a webhook receiver on loopback saw: every request, in order, with its headers and body.
actor WebhookInbox {
    struct Request: Sendable {
        var path: String
        var id: String
        var timestamp: String
        var signature: String
        var body: Data
        var answered: Int
        var at: ContinuousClock.Instant

        /// The body parsed (the event envelope).
        var event: [String: Any] { (try? JSONSerialization.jsonObject(with: body) as? [String: Any]) ?? [:] }
        var type: String { event["type"] as? String ?? "" }
        var data: [String: Any] { event["data"] as? [String: Any] ?? [:] }
    }

    private(set) var requests: [Request] = []
    /// Event types whose first request (per `webhook-id`) gets 500.
    var failFirst: Set<String> = []
    private(set) var hanging = 0
    private(set) var mostHanging = 0
    /// Set at the end of a test: hanging requests answer, so the receiver can stop.
    private(set) var released = false

    func setFailFirst(_ types: Set<String>) { failFirst = types }

    /// Records a request and says what to answer.
    func record(path: String, headers: HTTPFields, body: Data) -> Int {
        let id = headers[HTTPField.Name("webhook-id")!] ?? ""
        var request = Request(
            path: path, id: id, timestamp: headers[HTTPField.Name("webhook-timestamp")!] ?? "",
            signature: headers[HTTPField.Name("webhook-signature")!] ?? "", body: body, answered: 204, at: .now
        )
        if failFirst.contains(request.type), !requests.contains(where: { $0.id == id }) { request.answered = 500 }
        if path == "fail" { request.answered = 500 }
        if path == "redirect" { request.answered = 302 }
        requests.append(request)
        return request.answered
    }

    func startHanging() {
        hanging += 1
        mostHanging = max(mostHanging, hanging)
    }

    func stopHanging() { hanging -= 1 }

    func release() { released = true }

    func received(path: String? = nil) -> [Request] { requests.filter { path == nil || $0.path == path } }
}

/// A webhook receiver on loopback: `POST /hook/{name}` records and answers 204 (or 500 for the
/// first request of a `failFirst` type); `/hook/hang` does not answer until the test releases
/// it (or 30 s pass); `/hook/slow` answers after 20 ms; `/hook/fail` always answers 500 and
/// `/hook/redirect` 302 to `/hook/ok`.
func webhookReceiver(_ inbox: WebhookInbox) -> Application<RouterResponder<BasicRequestContext>> {
    let router = Router()
    router.post("hook/{name}") { request, context -> Response in
        let name = context.parameters.get("name") ?? ""
        let body = Data(buffer: try await request.body.collect(upTo: 1 << 20))
        let status = await inbox.record(path: name, headers: request.headers, body: body)
        switch name {
        case "hang":
            await inbox.startHanging()
            let end = ContinuousClock.now + .seconds(30)
            while await !inbox.released, ContinuousClock.now < end { try? await Task.sleep(for: .milliseconds(100)) }
            await inbox.stopHanging()
        case "slow":
            try await Task.sleep(for: .milliseconds(20))
        case "redirect":
            return Response(status: .found, headers: [.location: "/hook/ok"])
        default: break
        }
        return Response(status: .init(code: status))
    }
    return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
}

/// A receiver's check of a Standard Webhooks signature, written from the specification apart
/// from the server's code: HMAC-SHA256 keyed with the base64-decoded secret over
/// `id.timestamp.body`, any of the space-separated `v1,` values.
func verifiesStandardSignature(_ request: WebhookInbox.Request, secret: String) -> Bool {
    guard secret.hasPrefix("whsec_"), let key = Data(base64Encoded: String(secret.dropFirst(6))) else { return false }
    var signed = Data("\(request.id).\(request.timestamp).".utf8)
    signed.append(request.body)
    let expected = Data(HMAC<SHA256>.authenticationCode(for: signed, using: SymmetricKey(data: key)))
    return request.signature.split(separator: " ").contains { value in
        value.hasPrefix("v1,") && Data(base64Encoded: String(value.dropFirst(3))) == expected
    }
}
