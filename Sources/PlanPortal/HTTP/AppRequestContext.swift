import Hummingbird
import NIOCore

/// The request context of every PlanPortal route.
public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by `AdminAuthMiddleware` on `/v1/admin/**`.
    public var adminKey: AdminKey?
    /// Peer address of the TCP connection (before any proxy header is considered).
    public let peerAddress: SocketAddress?
    /// The client's address after `TRUSTED_PROXIES` are peeled off (set by `ClientAddressMiddleware`).
    public var clientIP: String?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.peerAddress = source.channel.remoteAddress
    }

    /// JSON bodies are read with the server's own limit (`AppConfig.maxJSONBodyBytes`); this bounds
    /// anything Hummingbird decodes by itself.
    public var maxUploadSize: Int { 64 * 1024 }

    /// The address rate limits, audit events and challenge providers see.
    public var remoteIP: String? { clientIP ?? peerAddress?.ipAddress }

    /// The admin key the auth middleware put here; routes under `/v1/admin` always have one.
    public func requireAdminKey() throws -> AdminKey {
        guard let adminKey else { throw Problem.unauthorized }
        return adminKey
    }
}
