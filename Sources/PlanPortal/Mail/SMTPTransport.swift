import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL

/// Where and how to reach the SMTP server, from `SMTP_URL`:
/// `smtp://host:port` (STARTTLS when offered, required when credentials are given),
/// `smtp://user:pass@host:587`, or `smtps://host:465` (TLS from the first byte).
public struct SMTPConfiguration: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var implicitTLS: Bool
    public var username: String?
    public var password: String?
    public var heloName: String
    /// Never send in clear: `smtp://` then needs STARTTLS (always so in production).
    public var requireTLS = false

    public init(url: String, heloName: String = "planportal.localhost") throws {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
              ["smtp", "smtps"].contains(scheme), let host = components.host, !host.isEmpty
        else { throw ConfigError("SMTP_URL must look like smtp://[user:pass@]host:port or smtps://host:465") }
        // An IPv6 address comes bracketed ("[2001:db8::25]"); the resolver wants it bare.
        self.host = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        self.implicitTLS = scheme == "smtps"
        self.port = components.port ?? (implicitTLS ? 465 : 25)
        self.username = components.user?.removingPercentEncoding
        self.password = components.password?.removingPercentEncoding
        self.heloName = heloName
    }

    /// The name TLS sends (SNI) and checks the certificate against: the host, or none when the host
    /// is an IP address, which SNI cannot carry (the certificate is then checked against the
    /// address connected to).
    public var tlsServerName: String? {
        (try? SocketAddress(ipAddress: host, port: 0)) == nil ? host : nil
    }
}

/// A small SMTP client (RFC 5321) on SwiftNIO: EHLO, STARTTLS, AUTH PLAIN, MAIL/RCPT/DATA, QUIT.
/// One connection per message; the outbox service serialises and retries.
public struct SMTPTransport: MailTransport {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    let configuration: SMTPConfiguration
    let from: String
    let timeout: Duration

    public init(configuration: SMTPConfiguration, from: String, timeout: Duration = .seconds(30)) {
        self.configuration = configuration
        self.from = from
        self.timeout = timeout
    }

    /// The bare address of `MAIL_FROM` (`Name <a@b>` → `a@b`).
    var envelopeFrom: String {
        if let open = from.lastIndex(of: "<"), let close = from.lastIndex(of: ">"), open < close {
            return String(from[from.index(after: open)..<close])
        }
        return from
    }

    public func send(_ message: MailMessage) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await deliver(message) }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw Failure(description: "SMTP timed out after \(timeout)")
            }
            try await group.next()
            group.cancelAll()
        }
    }

    private func deliver(_ message: MailMessage) async throws {
        let replies = SMTPReplyHandler()
        let config = configuration
        let tlsContext = try NIOSSLContext(configuration: .makeClientConfiguration())
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(10))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if config.implicitTLS {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: tlsContext, serverHostname: config.tlsServerName))
                    }
                    try channel.pipeline.syncOperations.addHandler(replies)
                }
            }
            .connect(host: config.host, port: config.port)
            .get()
        defer { channel.close(promise: nil) }

        func command(_ line: String?, expect codes: Set<Int>) async throws -> SMTPReply {
            if let line {
                try await channel.writeAndFlush(ByteBuffer(string: line + "\r\n")).get()
            }
            let reply = try await replies.next()
            guard codes.contains(reply.code) else {
                // The reply's text can echo the recipient: only the code and the enhanced status.
                let verb = line?.split(separator: " ").first.map(String.init) ?? "greeting"
                throw Failure(description: "SMTP \(verb) answered \(reply.code)\(reply.enhancedStatus.map { " \($0)" } ?? "")")
            }
            return reply
        }

        _ = try await command(nil, expect: [220])
        var ehlo = try await command("EHLO \(config.heloName)", expect: [250])
        if !config.implicitTLS {
            let offersTLS = ehlo.lines.contains { $0.uppercased().hasPrefix("STARTTLS") }
            if offersTLS {
                _ = try await command("STARTTLS", expect: [220])
                let serverName = config.tlsServerName
                // TLS goes in front and whatever the server sent before the handshake is dropped,
                // in one step on the channel's event loop: nothing said in clear can pass for a
                // reply after it (STARTTLS command injection).
                try await channel.eventLoop.submit {
                    let handler = try NIOSSLClientHandler(context: tlsContext, serverHostname: serverName)
                    try channel.pipeline.syncOperations.addHandler(handler, position: .first)
                    replies.discardBuffered()
                }.get()
                ehlo = try await command("EHLO \(config.heloName)", expect: [250])
            } else if config.username != nil {
                throw Failure(description: "SMTP server offers no STARTTLS; refusing to send credentials in clear")
            } else if config.requireTLS {
                throw Failure(description: "SMTP server offers no STARTTLS; TLS is required")
            }
        }
        if let user = config.username {
            let token = Data("\u{0}\(user)\u{0}\(config.password ?? "")".utf8).base64EncodedString()
            _ = try await command("AUTH PLAIN \(token)", expect: [235])
        }
        _ = try await command("MAIL FROM:<\(envelopeFrom)>", expect: [250])
        _ = try await command("RCPT TO:<\(message.to)>", expect: [250, 251])
        _ = try await command("DATA", expect: [354])
        var body = message.rendered(from: from)
            .components(separatedBy: "\r\n")
            .map { $0.hasPrefix(".") ? "." + $0 : $0 }
            .joined(separator: "\r\n")
        if !body.hasSuffix("\r\n") { body += "\r\n" }
        try await channel.writeAndFlush(ByteBuffer(string: body)).get()
        _ = try await command(".", expect: [250])
        _ = try? await command("QUIT", expect: [221])
    }
}

/// One SMTP reply: its code and the text of each line.
struct SMTPReply: Sendable {
    var code: Int
    var lines: [String]
    /// Replies read before a STARTTLS handshake carry an older generation and are skipped.
    var generation = 0

    /// The RFC 3463 enhanced status code (`5.1.1`) at the start of the first line, if any.
    var enhancedStatus: String? {
        guard let first = lines.first?.split(separator: " ").first,
              first.split(separator: ".").count == 3, first.allSatisfy({ $0.isNumber || $0 == "." }) else { return nil }
        return String(first)
    }
}

/// Splits the server's bytes into CRLF lines and groups multi-line replies (`250-…` then `250 …`).
final class SMTPReplyHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer

    private let stream: AsyncThrowingStream<SMTPReply, any Error>
    private let continuation: AsyncThrowingStream<SMTPReply, any Error>.Continuation
    private var iterator: AsyncThrowingStream<SMTPReply, any Error>.AsyncIterator
    private var pending = ""
    private var current: [String] = []
    private let generation = NIOLockedValueBox(0)

    init() {
        (stream, continuation) = AsyncThrowingStream.makeStream(of: SMTPReply.self)
        iterator = stream.makeAsyncIterator()
    }

    /// The next complete reply of the current generation; only one caller awaits at a time.
    func next() async throws -> SMTPReply {
        while true {
            guard let reply = try await iterator.next() else {
                throw SMTPTransport.Failure(description: "SMTP connection closed")
            }
            if reply.generation == generation.withLockedValue({ $0 }) { return reply }
        }
    }

    /// Forgets every byte and reply received so far (on the event loop, as TLS starts).
    func discardBuffered() {
        pending = ""
        current = []
        generation.withLockedValue { $0 += 1 }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        pending += buffer.readString(length: buffer.readableBytes) ?? ""
        while let range = pending.range(of: "\r\n") ?? pending.range(of: "\n") {
            let line = String(pending[..<range.lowerBound])
            pending.removeSubrange(..<range.upperBound)
            guard line.count >= 3, let code = Int(line.prefix(3)) else {
                continuation.finish(throwing: SMTPTransport.Failure(description: "malformed SMTP reply"))
                return
            }
            let separator = line.dropFirst(3).first
            current.append(String(line.dropFirst(4)))
            if separator != "-" {
                continuation.yield(SMTPReply(code: code, lines: current, generation: generation.withLockedValue { $0 }))
                current = []
            }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        continuation.finish()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        continuation.finish(throwing: error)
        context.close(promise: nil)
    }
}
