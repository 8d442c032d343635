import Foundation
import Yams

/// The contract `openapi.yaml`, loaded once at start and served as YAML and as JSON.
public struct OpenAPIDocument: Sendable {
    public let yaml: String
    /// The same document as JSON, keys in the order the YAML gives them.
    public let json: String

    public init(yaml: String) throws {
        guard let root = try Yams.compose(yaml: yaml) else { throw ConfigError("openapi.yaml is empty") }
        self.yaml = yaml
        var out = ""
        try Self.writeJSON(root, into: &out)
        self.json = out
    }

    public static func load(assets: URL) throws -> OpenAPIDocument {
        try OpenAPIDocument(yaml: String(contentsOf: assets.appendingPathComponent("openapi.yaml"), encoding: .utf8))
    }

    /// YAML 1.2 core-schema scalars to JSON: plain scalars may be null, booleans or numbers,
    /// quoted ones are always strings (so `'200'` and dates stay strings).
    static func writeJSON(_ node: Node, into out: inout String) throws {
        switch node {
        case .scalar(let scalar):
            let text = scalar.string
            if scalar.style == .plain {
                switch text {
                case "", "~", "null", "Null", "NULL": out += "null"; return
                case "true", "True", "TRUE": out += "true"; return
                case "false", "False", "FALSE": out += "false"; return
                default:
                    if text.range(of: #"^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?$"#, options: .regularExpression) != nil {
                        out += text
                        return
                    }
                }
            }
            JSONText.appendString(text, to: &out)
        case .mapping(let mapping):
            out += "{"
            var first = true
            for (key, value) in mapping {
                guard case .scalar(let keyScalar) = key else { throw ConfigError("openapi.yaml: non-scalar mapping key") }
                if !first { out += "," }
                first = false
                JSONText.appendString(keyScalar.string, to: &out)
                out += ":"
                try writeJSON(value, into: &out)
            }
            out += "}"
        case .sequence(let sequence):
            out += "["
            var first = true
            for element in sequence {
                if !first { out += "," }
                first = false
                try writeJSON(element, into: &out)
            }
            out += "]"
        case .alias:
            throw ConfigError("openapi.yaml: YAML aliases are not supported; use $ref")
        }
    }
}
