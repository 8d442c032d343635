import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore

/// `planportal healthcheck`: exits 0 when the server's `/readyz` answers ready, 1 otherwise. For
/// container `HEALTHCHECK`s in images without curl; it reads no database setting.
struct HealthcheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "healthcheck",
        abstract: "Exit 0 when /readyz of a running server answers ready."
    )

    @Option(help: "Readiness URL (default: http://127.0.0.1:$PORT/readyz, PORT defaulting to 8080).")
    var url: String?

    @Option(help: "Seconds to wait for the answer.")
    var timeout: Int = 5

    func run() async throws {
        let target = url ?? Self.defaultURL(ProcessInfo.processInfo.environment)
        var request = HTTPClientRequest(url: target)
        request.headers.add(name: "Accept", value: "application/json")
        do {
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(Int64(max(1, timeout))))
            let body = try await response.body.collect(upTo: 64 * 1024)
            let status = try? JSONDecoder().decode(HealthController.Status.self, from: Data(buffer: body))
            guard response.status == .ok, status?.status == "ready" else {
                FileHandle.standardError.write(Data("not ready: HTTP \(response.status.code) \(String(buffer: body).prefix(300))\n".utf8))
                throw ExitCode.failure
            }
            print("ready")
        } catch let exit as ExitCode {
            throw exit
        } catch {
            FileHandle.standardError.write(Data("not ready: \(target): \(error)\n".utf8))
            throw ExitCode.failure
        }
    }

    /// The server of this container: loopback, on `PORT` (whatever `HOST` it binds).
    static func defaultURL(_ env: [String: String]) -> String {
        let port = env["PORT"].flatMap { Int($0) } ?? 8080
        let host = env["HOST"] ?? ""
        let target: String
        switch host {
        case "", "0.0.0.0": target = "127.0.0.1"
        case "::", "[::]": target = "[::1]"
        default: target = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        }
        return "http://\(target):\(port)/readyz"
    }
}
