import Foundation
import Hummingbird
import MultipartKit
import NIOCore

/// A submitted portal form: its text fields and, for `multipart/form-data`, its files.
struct PortalForm: Sendable {
    struct File: Sendable {
        var filename: String?
        var bytes: ByteBuffer
    }

    var fields: [String: String] = [:]
    var files: [String: File] = [:]

    subscript(_ name: String) -> String { fields[name] ?? "" }

    /// The field, or nil when it is absent or blank.
    func optional(_ name: String) -> String? {
        let value = self[name].trimmingCharacters(in: .whitespacesAndNewlines)
        return value.isEmpty ? nil : fields[name]
    }

    /// Text forms are small: 64 KiB. A form with a receipt holds the receipt's 10 MiB and a little more.
    static let textLimit = 64 * 1024
    static let uploadLimit = ReceiptType.maxBytes + 64 * 1024

    /// Reads `application/x-www-form-urlencoded` or `multipart/form-data` (when `allowFiles`);
    /// anything else, or a body too large, is a problem the page renders.
    static func read(_ request: inout Request, allowFiles: Bool = false) async throws -> PortalForm {
        let type = request.headers[.contentType]?.lowercased() ?? ""
        if type.hasPrefix("application/x-www-form-urlencoded") {
            let body = try await request.collectBody(upTo: textLimit, tooLarge: .payloadTooLarge)
            return PortalForm(fields: urlEncoded(String(buffer: body)))
        }
        if allowFiles, type.hasPrefix("multipart/form-data"), let boundary = boundary(request.headers[.contentType] ?? "") {
            let body = try await request.collectBody(upTo: uploadLimit, tooLarge: .attachmentTooLarge)
            return try multipart(body, boundary: boundary)
        }
        throw Problem.unsupportedMediaType
    }

    static func urlEncoded(_ text: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ part: Substring) -> String {
                String(part).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
            }
            let name = decode(parts[0])
            guard !name.isEmpty, fields[name] == nil else { continue }
            fields[name] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return fields
    }

    static func boundary(_ contentType: String) -> String? {
        for parameter in contentType.split(separator: ";").dropFirst() {
            let pair = parameter.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
            if pair.count == 2, pair[0].lowercased() == "boundary" {
                let value = pair[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                return value.isEmpty || value.count > 200 ? nil : value
            }
        }
        return nil
    }

    /// Parts of a multipart body: a part with a `filename` is a file, any other a text field.
    static func multipart(_ body: ByteBuffer, boundary: String) throws -> PortalForm {
        let parser = MultipartParser(boundary: boundary)
        var form = PortalForm()
        var headers: [(String, String)] = []
        var content = ByteBuffer()
        parser.onHeader = { name, value in headers.append((name, value)) }
        parser.onBody = { chunk in content.writeBuffer(&chunk) }
        parser.onPartComplete = {
            let disposition = headers.first { $0.0.lowercased() == "content-disposition" }?.1 ?? ""
            let parameters = Self.dispositionParameters(disposition)
            if let name = parameters["name"], !name.isEmpty {
                if let filename = parameters["filename"] {
                    // A form whose file input was left empty sends a part with an empty name and body.
                    if !(filename.isEmpty && content.readableBytes == 0), form.files[name] == nil {
                        form.files[name] = File(filename: filename.isEmpty ? nil : filename, bytes: content)
                    }
                } else if form.fields[name] == nil, content.readableBytes <= textLimit {
                    form.fields[name] = String(buffer: content)
                }
            }
            headers = []
            content = ByteBuffer()
        }
        do {
            try parser.execute(body)
        } catch {
            throw Problem.badRequest
        }
        return form
    }

    /// `name` and `filename` of a `Content-Disposition: form-data; name="…"; filename="…"`.
    static func dispositionParameters(_ header: String) -> [String: String] {
        var result: [String: String] = [:]
        for piece in header.split(separator: ";").dropFirst() {
            let pair = piece.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
            guard pair.count == 2 else { continue }
            var value = String(pair[1])
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
            result[pair[0].lowercased()] = value
        }
        return result
    }
}
