import HTTPTypes
import Hummingbird

/// The client's address, honouring `X-Forwarded-For` only from trusted proxies (step 1 of `EdgeMiddleware`).
public struct ClientAddress: Sendable {
    let proxies: TrustedProxies
    /// The peer assumed for a request that came over no socket: `127.0.0.1` with `APP_ENV=test`,
    /// where the in-process test router has no TCP peer (so tests reach the same proxy rules as
    /// live ones); nil, an unknown client, everywhere else.
    let inProcessPeer: String?

    public init(proxies: TrustedProxies, environment: AppEnvironment = .production) {
        self.proxies = proxies
        self.inProcessPeer = environment == .test ? "127.0.0.1" : nil
    }

    /// What `context.clientIP` becomes, or nil to leave it unset. Without trusted proxies a
    /// socket's peer is the client, which `remoteIP` reads when asked: nothing to do.
    func resolve(_ request: Request, context: AppRequestContext) -> String? {
        if proxies.ranges.isEmpty, context.peerAddress != nil { return nil }
        let peer = context.peerAddress?.ipAddress ?? (context.peerAddress == nil ? inProcessPeer : nil)
        return proxies.clientAddress(peer: peer, forwardedFor: request.headers[values: .xForwardedFor])
    }
}

extension HTTPField.Name {
    static let xForwardedFor = HTTPField.Name("X-Forwarded-For")!
}
