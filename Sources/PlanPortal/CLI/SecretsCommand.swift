import ArgumentParser
import Foundation

/// `planportal secrets rotate|generate-key`.
struct SecretsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "secrets",
        abstract: "Manage the key that seals plan secrets at rest (SECRETS_KEY).",
        subcommands: [Rotate.self, GenerateKey.self]
    )

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-seal every plan secret with SECRETS_KEY (old keys in SECRETS_PREVIOUS_KEYS open the old values)."
        )

        @OptionGroup var common: CommonOptions

        func run() async throws {
            try await reportingProblems {
                let services = try common.servicesForCommand()
                let changed = try await services.withRunningDatabase { try await $0.secretRotation.resealAll() }
                print("secrets sealed with key \(services.secrets.current.id): \(changed.count) plan(s) re-sealed")
            }
        }
    }

    struct GenerateKey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "generate-key", abstract: "Print a new random SECRETS_KEY.")

        func run() async throws {
            print(SecretBox.Key.generate())
        }
    }
}

/// Reads a secret from a file, or from standard input for `-`, so it never sits in argv (which
/// other local users and process listings can read). One trailing newline is dropped.
func readSecret(from path: String) throws -> String {
    let data: Data
    if path == "-" {
        data = FileHandle.standardInput.readDataToEndOfFile()
    } else {
        guard let contents = FileManager.default.contents(atPath: path) else { throw ConfigError("cannot read \(path)") }
        data = contents
    }
    var text = String(decoding: data, as: UTF8.self)
    if text.hasSuffix("\n") { text.removeLast() }
    if text.hasSuffix("\r") { text.removeLast() }
    guard !text.isEmpty else { throw ConfigError("the secret read from \(path == "-" ? "standard input" : path) is empty") }
    return text
}
