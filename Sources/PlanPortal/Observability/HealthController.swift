import Foundation
import Hummingbird
import Logging

/// Tag `operations`: liveness and readiness probes for load balancers and orchestrators.
public struct HealthController: Sendable {
    let migrator: Migrator

    public init(migrator: Migrator) {
        self.migrator = migrator
    }

    public func addRoutes(to router: Router<AppRequestContext>) {
        router.get("healthz", use: getHealth)
        router.get("readyz", use: getReadiness)
    }

    public struct Status: Codable, Sendable {
        public var status: String
        public var pendingMigrations: Int?
    }

    /// The process answers.
    @Sendable func getHealth(_ request: Request, context: AppRequestContext) async throws -> Response {
        Response(status: .ok, headers: Self.healthHeaders, body: .init(byteBuffer: Self.healthBody))
    }

    /// What `Response.json(Status(status: "ok"))` writes, encoded once: the probe is answered
    /// thousands of times a minute and never changes.
    static let healthBody = ByteBuffer(bytes: (try? JSONCoding.encoder.encode(Status(status: "ok"))) ?? Data(#"{"status":"ok"}"#.utf8))
    static let healthHeaders: HTTPFields = [.contentType: Response.jsonContentType]

    /// PostgreSQL answers within 2 s and no migration is pending; else 503 `not_ready`.
    @Sendable func getReadiness(_ request: Request, context: AppRequestContext) async throws -> Response {
        let migrator = self.migrator
        let pending: Int? = await withTaskGroup(of: Int?.self) { group in
            group.addTask { try? await migrator.pendingCount() }
            group.addTask {
                try? await Task.sleep(for: .seconds(2))
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        guard let pending, pending == 0 else { throw Problem.notReady }
        return try .json(Status(status: "ready", pendingMigrations: 0))
    }
}
