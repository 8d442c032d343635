import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// Every error as an `application/problem+json` response in the client's language (step 4 of
/// `EdgeMiddleware`, which also adds `X-Request-Id` and logs the request through `RequestLog`).
public enum ProblemResponse {
    static func problem(for error: any Error, context: some RequestContext) -> Problem {
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

    static func render(_ problem: Problem, request: Request, context: some RequestContext) -> Response {
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
