import HTTPTypes
import Hummingbird
import Logging

/// The request line `EdgeMiddleware` logs at `info`: method, route template (never the raw path:
/// paths carry tokens and certificate numbers), status and milliseconds. Below `info` the clock
/// is not read and nothing is built.
struct RequestLog {
    let start: ContinuousClock.Instant?

    init(context: AppRequestContext) {
        start = context.logger.logLevel <= .info ? ContinuousClock.now : nil
    }

    func finish(_ request: Request, status: HTTPResponse.Status, context: AppRequestContext) {
        guard let start else { return }
        let elapsed = ContinuousClock.now - start
        context.logger.info(
            "request",
            metadata: [
                "method": "\(request.method.rawValue)",
                "route": "\(context.endpointPath ?? "unmatched")",
                "status": "\(status.code)",
                "ms": "\(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)",
            ]
        )
    }
}
