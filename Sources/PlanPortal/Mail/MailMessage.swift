import Foundation
import Logging

/// An e-mail as queued in the outbox: one recipient, a subject, a plain-text and an HTML body.
public struct MailMessage: Sendable, Equatable {
    public var to: String
    public var subject: String
    public var text: String
    public var html: String

    public init(to: String, subject: String, text: String, html: String) {
        self.to = to
        self.subject = subject
        self.text = text
        self.html = html
    }

    /// RFC 5322 / MIME rendering (multipart/alternative, base64 UTF-8 parts, CRLF line ends).
    public func rendered(from: String, date: Date = Date(), messageID: String = UUID().uuidString.lowercased()) -> String {
        let boundary = "=_planportal_\(messageID.replacingOccurrences(of: "-", with: ""))"
        let domain = from.split(separator: "@").last.map(String.init) ?? "planportal.invalid"
        var lines = [
            "From: \(from)",
            "To: \(to)",
            "Subject: \(Self.encodedWord(subject))",
            "Date: \(Self.rfc5322Date(date))",
            "Message-ID: <\(messageID)@\(domain)>",
            "MIME-Version: 1.0",
            "Auto-Submitted: auto-generated",
            "Content-Type: multipart/alternative; boundary=\"\(boundary)\"",
            "",
        ]
        for (type, body) in [("text/plain", text), ("text/html", html)] {
            lines.append("--\(boundary)")
            lines.append("Content-Type: \(type); charset=utf-8")
            lines.append("Content-Transfer-Encoding: base64")
            lines.append("")
            lines.append(contentsOf: Self.base64Lines(body))
        }
        lines.append("--\(boundary)--")
        lines.append("")
        return lines.joined(separator: "\r\n")
    }

    static func encodedWord(_ text: String) -> String {
        if text.allSatisfy({ $0.isASCII && !$0.isNewline }) { return text }
        return "=?UTF-8?B?\(Data(text.utf8).base64EncodedString())?="
    }

    static func base64Lines(_ text: String) -> [String] {
        let encoded = Data(text.utf8).base64EncodedString()
        var lines: [String] = []
        var index = encoded.startIndex
        while index < encoded.endIndex {
            let end = encoded.index(index, offsetBy: 76, limitedBy: encoded.endIndex) ?? encoded.endIndex
            lines.append(String(encoded[index..<end]))
            index = end
        }
        return lines
    }

    static func rfc5322Date(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(secondsFromGMT: 0)
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        return formatter.string(from: date)
    }
}

/// Where messages go: an SMTP server, or `.eml` files in development.
public protocol MailTransport: Sendable {
    func send(_ message: MailMessage) async throws
}

/// Writes each message as an `.eml` file under a folder (development, when `SMTP_URL` is unset).
/// Logs each file and the links it holds, so a developer can follow the flow with curl; never
/// used in production (`SMTP_URL` is required there).
public struct FileMailTransport: MailTransport {
    let directory: URL
    let from: String
    let logger: Logger

    public init(directory: URL, from: String, logger: Logger) {
        self.directory = directory
        self.from = from
        self.logger = logger
    }

    public func send(_ message: MailMessage) async throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let name = "\(Int(Date().timeIntervalSince1970 * 1000))-\(UUID().uuidString.prefix(8)).eml"
        let file = directory.appendingPathComponent(name)
        try Data(message.rendered(from: from).utf8).write(to: file)
        let links = message.text.split(whereSeparator: \.isWhitespace).filter { $0.hasPrefix("http") }
        logger.info("development e-mail written", metadata: ["file": "\(file.path)", "links": "\(links.joined(separator: " "))"])
    }
}
