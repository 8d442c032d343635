import HTTPTypes
import Hummingbird

/// Puts the client's address in the context, honouring `X-Forwarded-For` only from trusted proxies.
public struct ClientAddressMiddleware: RouterMiddleware {
    public typealias Context = AppRequestContext
    let proxies: TrustedProxies
    /// The peer assumed for a request that came over no socket: `127.0.0.1` with `APP_ENV=test`,
    /// where the in-process test router has no TCP peer (so tests reach the same proxy rules as
    /// live ones); nil, an unknown client, everywhere else.
    let inProcessPeer: String?

    public init(proxies: TrustedProxies, environment: AppEnvironment = .production) {
        self.proxies = proxies
        self.inProcessPeer = environment == .test ? "127.0.0.1" : nil
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        // Without trusted proxies a socket's peer is the client, which `remoteIP` reads when asked.
        if proxies.ranges.isEmpty, context.peerAddress != nil { return try await next(request, context) }
        var context = context
        let peer = context.peerAddress?.ipAddress ?? (context.peerAddress == nil ? inProcessPeer : nil)
        context.clientIP = proxies.clientAddress(peer: peer, forwardedFor: request.headers[values: .xForwardedFor])
        return try await next(request, context)
    }
}

extension HTTPField.Name {
    static let xForwardedFor = HTTPField.Name("X-Forwarded-For")!
}
