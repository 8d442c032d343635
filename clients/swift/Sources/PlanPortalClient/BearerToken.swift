import Foundation
import HTTPTypes
import OpenAPIRuntime

/// Sends `Authorization: Bearer <token>` on every request of a generated `Client`.
///
/// The generated code does not apply the contract's `securitySchemes` by itself: pass this
/// middleware to `Client(serverURL:transport:middlewares:)` with an admin key (`adminKey`
/// scheme, `ppk_…`) or a member session token (`memberSession` scheme, from `createSession`).
public struct BearerTokenMiddleware: ClientMiddleware {
    public let token: String

    public init(token: String) {
        self.token = token
    }

    public func intercept(
        _ request: HTTPRequest,
        body: HTTPBody?,
        baseURL: URL,
        operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        var request = request
        request.headerFields[.authorization] = "Bearer \(token)"
        return try await next(request, body, baseURL)
    }
}
