import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// Turns every error into an `application/problem+json` response in the client's language, adds
/// `X-Request-Id`, and logs the route template, never the raw path (paths carry tokens and certificate numbers).
public struct ProblemMiddleware: RouterMiddleware {
    public typealias Context = AppRequestContext

    public init() {}

    public func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        // The clock is read only when the request line will be logged.
        let start = context.logger.logLevel <= .info ? ContinuousClock.now : nil
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            let problem = Self.problem(for: error, context: context)
            response = Self.render(problem, request: request, context: context)
        }
        response.headers[.requestID] = context.id
        guard let start else { return response }
        let elapsed = ContinuousClock.now - start
        context.logger.info(
            "request",
            metadata: [
                "method": "\(request.method.rawValue)",
                "route": "\(context.endpointPath ?? "unmatched")",
                "status": "\(response.status.code)",
                "ms": "\(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)",
            ]
        )
        return response
    }

    static func problem(for error: any Error, context: Context) -> Problem {
        switch error {
        case let problem as Problem:
            return problem
        case is NIOTooManyBytesError:
            return .payloadTooLarge
        case is PasswordHasher.Busy:
            return .serviceBusy
        case let error where Database.isUnavailability(error):
            context.logger.warning("database unavailable", metadata: ["error": "\(SafeError.describe(error))"])
            return .databaseUnavailable
        case let http as HTTPError:
            switch http.status {
            case .notFound: return .notFound
            case .methodNotAllowed: return .methodNotAllowed
            case .contentTooLarge: return .payloadTooLarge
            case .unsupportedMediaType: return .unsupportedMediaType
            case .unauthorized: return .unauthorized
            case .badRequest: return .badRequest
            default:
                context.logger.error("unmapped HTTP error", metadata: ["status": "\(http.status.code)"])
                return .internalError
            }
        default:
            context.logger.error("unhandled error", metadata: ["error": "\(SafeError.describe(error))"])
            return .internalError
        }
    }

    static func render(_ problem: Problem, request: Request, context: Context) -> Response {
        let language = Language.negotiate(request.headers[.acceptLanguage])
        let body = problem.body(language: language, requestID: context.id)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(body)) ?? Data("{}".utf8)
        var headers = problem.headers
        headers[.contentType] = "application/problem+json"
        headers[.contentLanguage] = language.rawValue
        return Response(status: problem.status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

extension HTTPField.Name {
    public static let requestID = HTTPField.Name("X-Request-Id")!
}
