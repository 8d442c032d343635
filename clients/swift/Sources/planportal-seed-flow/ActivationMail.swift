import Foundation

/// Reads the activation e-mail from the directory of the test SMTP server
/// (deploy/local/smtp-capture.py writes each message as `<time>-<n>-<recipient>.eml`).
enum ActivationMail {
    /// Waits until a message to `recipient` holding an activation link arrives, and returns the
    /// file and the link's `token`.
    static func waitForToken(in directory: URL, recipient: String, timeout: Double) async throws -> (URL, String) {
        let deadline = Date().addingTimeInterval(timeout)
        let suffix = "-\(recipient.lowercased()).eml"
        var seen = 0
        while true {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
            let files = names.filter { !$0.hasPrefix(".") && $0.lowercased().hasSuffix(suffix) }.sorted()
            seen = files.count
            for name in files.reversed() {
                let file = directory.appendingPathComponent(name)
                guard let raw = try? String(contentsOf: file, encoding: .utf8) else { continue }
                if let token = activationToken(inMessage: raw) { return (file, token) }
            }
            if Date() > deadline {
                throw FlowFailure(
                    "no activation e-mail to \(recipient) in \(directory.path) after \(Int(timeout)) s (\(seen) message(s) to that address)"
                )
            }
            try await Task.sleep(for: .milliseconds(200))
        }
    }

    /// The token of the first `/activation?token=…` link in the message: in its raw text, or in a
    /// base64 or quoted-printable MIME part.
    static func activationToken(inMessage raw: String) -> String? {
        for text in [raw] + decodedParts(raw) {
            if let token = token(in: text) { return token }
        }
        return nil
    }

    static func token(in text: String) -> String? {
        guard let range = text.range(of: "/activation?token=") else { return nil }
        let allowed = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        let token = String(text[range.upperBound...].prefix(while: { allowed.contains($0) }))
        return token.isEmpty ? nil : token
    }

    /// Bodies of the MIME parts, decoded (base64 or quoted-printable), in order.
    static func decodedParts(_ raw: String) -> [String] {
        let lines = raw.replacingOccurrences(of: "\r\n", with: "\n").components(separatedBy: "\n")
        var parts: [String] = []
        var index = 0
        while index < lines.count {
            // A part header block: lines up to an empty line, one of them naming the encoding.
            let line = lines[index].lowercased()
            if line.hasPrefix("content-transfer-encoding:") {
                let encoding = line.dropFirst("content-transfer-encoding:".count).trimmingCharacters(in: .whitespaces)
                var bodyStart = index
                while bodyStart < lines.count, !lines[bodyStart].isEmpty { bodyStart += 1 }
                var bodyEnd = bodyStart + 1
                while bodyEnd < lines.count, !lines[bodyEnd].hasPrefix("--") { bodyEnd += 1 }
                let body = lines[min(bodyStart + 1, lines.count)..<min(bodyEnd, lines.count)]
                if encoding == "base64" {
                    if let data = Data(base64Encoded: body.joined(), options: .ignoreUnknownCharacters),
                       let text = String(data: data, encoding: .utf8) {
                        parts.append(text)
                    }
                } else if encoding == "quoted-printable" {
                    parts.append(quotedPrintable(body.joined(separator: "\n")))
                }
                index = bodyEnd
                continue
            }
            index += 1
        }
        return parts
    }

    static func quotedPrintable(_ text: String) -> String {
        var bytes: [UInt8] = []
        let source = Array(text.replacingOccurrences(of: "=\n", with: "").utf8)
        var i = 0
        while i < source.count {
            if source[i] == UInt8(ascii: "="), i + 2 < source.count,
               let byte = UInt8(String(decoding: source[(i + 1)...(i + 2)], as: UTF8.self), radix: 16) {
                bytes.append(byte)
                i += 3
            } else {
                bytes.append(source[i])
                i += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
