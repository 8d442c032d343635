// The baseline of bench/public-get: a bare Hummingbird 2 route answering a small JSON body, with
// no middleware, on the same HTTP/1.1 server PlanPortal runs. Built and started by the bench only.
import Foundation
import Hummingbird
import Logging

struct Status: ResponseCodable {
    var status: String
}

let arguments = CommandLine.arguments
let port = arguments.count > 1 ? Int(arguments[1]) ?? 8081 : 8081
var logger = Logger(label: "bare-route")
logger.logLevel = .warning
let router = Router()
router.get("bare") { _, _ in Status(status: "ok") }
let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)), logger: logger)
try await app.runService()
