import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// Every call the server makes to a URL an admin can set goes through here: the URL and every
/// address its host resolves to must pass `OutboundPolicy`, the name is resolved once and the
/// connection goes to that checked address (TLS still verifies the certificate for the name),
/// redirects are not followed, and the whole exchange has one deadline.
public struct OutboundHTTPClient: Sendable {
    public let policy: OutboundPolicy
    let resolver: any OutboundResolver
    /// Whether a refused or failed connection is tried again within the connect timeout (3 s);
    /// callers with their own retry schedule (webhooks) fail at once instead.
    let retriesConnecting: Bool

    public init(policy: OutboundPolicy, resolver: any OutboundResolver = SystemResolver(), retriesConnecting: Bool = true) {
        self.policy = policy
        self.resolver = resolver
        self.retriesConnecting = retriesConnecting
    }

    public struct Answer: Sendable {
        public var status: Int
        public var body: ByteBuffer
    }

    /// The URL or an address was refused before anything was sent.
    public struct Refused: Error, CustomStringConvertible {
        public let reason: OutboundPolicy.Refusal
        public let host: String
        public var description: String { "outbound call to \(host) refused: \(reason.rawValue)" }
    }

    /// POSTs `body` to `url` and reads at most `maxBytes` of the answer, all within `timeout`;
    /// with `maxBytes` nil the answer's body is not read (its status is all that counts).
    public func post(
        _ url: String, headers: [(String, String)], body: ByteBuffer, timeout: Duration, maxBytes: Int? = 64 * 1024
    ) async throws -> Answer {
        let target: OutboundPolicy.Target
        do { target = try policy.check(url: url) } catch { throw Refused(reason: error, host: URLComponents(string: url)?.host ?? "?") }
        let started = ContinuousClock.now
        let address = try await withDeadline(timeout) { try await pinnedAddress(target) }
        let remaining = timeout - (ContinuousClock.now - started)
        guard remaining > .zero else { throw DeadlineExceeded() }

        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(3)),
            proxy: nil,
            ignoreUncleanSSLShutdown: false,
            decompression: .disabled
        )
        configuration.connectionPool.retryConnectionEstablishment = retriesConnecting
        if let address {
            // Connect to the checked address; SNI, certificate and Host stay the URL's name.
            configuration.dnsOverride = [target.host: address]
            if let written = URL(string: url)?.host, written != target.host { configuration.dnsOverride[written] = address }
        }
        let client = HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: configuration)
        do {
            var request = HTTPClientRequest(url: url)
            request.method = .POST
            for (name, value) in headers { request.headers.add(name: name, value: value) }
            request.body = .bytes(body)
            let deadline = NIODeadline.now() + .nanoseconds(Int64(remaining.components.seconds) * 1_000_000_000 + remaining.components.attoseconds / 1_000_000_000)
            let response = try await client.execute(request, deadline: deadline)
            let bytes = if let maxBytes { try await response.body.collect(upTo: maxBytes) } else { ByteBuffer() }
            try? await client.shutdown()
            return Answer(status: Int(response.status.code), body: bytes)
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    /// The address to connect to: nil for a literal (already checked), else the first of the
    /// resolved addresses once all of them passed the policy (one bad answer refuses the name).
    func pinnedAddress(_ target: OutboundPolicy.Target) async throws -> String? {
        if OutboundPolicy.addressBytes(target.host) != nil { return nil }
        let addresses: [[UInt8]]
        do { addresses = try await resolver.resolve(host: target.host) } catch {
            throw Refused(reason: .unresolvable, host: target.host)
        }
        guard let first = addresses.first else { throw Refused(reason: .unresolvable, host: target.host) }
        for address in addresses {
            do { try policy.check(address: address) } catch { throw Refused(reason: error, host: target.host) }
            // Plain http exists for the loopback test doubles only.
            if target.scheme == "http", !OutboundPolicy.isLoopback(address) { throw Refused(reason: .scheme, host: target.host) }
        }
        return OutboundPolicy.text(first)
    }
}
