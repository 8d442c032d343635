import Foundation
import PostgresNIO
import Testing

@testable import PlanPortal

/// What the deployment files rely on: `planportal healthcheck`, and `DATABASE_DIRECT_URL` carrying
/// the sessions a transaction-mode pooler cannot (the migration lock, LISTEN).
@Suite(.serialized) struct DeploymentTests {
    static let directRole = "planportal_direct_test"

    /// Runs `planportal healthcheck ARGS`; its exit status and standard output.
    static func healthcheck(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try ServerProcess.binary())
        process.arguments = ["healthcheck"] + arguments
        let finished = try await ChildProcess.run(process)
        return (finished.status, finished.output.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// PostgreSQL itself (never the pooler), as `user` when given (with the same password: local
    /// clusters require scram-sha-256 on TCP).
    static func directURL(user: String? = nil) throws -> String {
        let env = ProcessInfo.processInfo.environment
        let url = try env["DATABASE_DIRECT_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? TestEnvironment.databaseURL()
        guard var components = URLComponents(string: url) else { throw ConfigError("bad database URL") }
        if let user { components.user = user }
        return components.string!
    }

    /// Backends of `directRole` whose last statement matches `pattern` (and waiting on a lock when asked).
    static func backends(_ services: AppServices, query pattern: String, waitingOnLock: Bool = false) async throws -> Int {
        let rows = try await services.postgres.query(
            """
            SELECT count(*)::int FROM pg_stat_activity
            WHERE usename = \(directRole) AND query ILIKE \(pattern)
              AND (NOT \(waitingOnLock) OR wait_event_type = 'Lock')
            """
        )
        for try await count in rows.decode(Int.self) { return count }
        return 0
    }

    @Test func defaultHealthcheckURLIsTheLocalServer() {
        #expect(HealthcheckCommand.defaultURL([:]) == "http://127.0.0.1:8080/readyz")
        #expect(HealthcheckCommand.defaultURL(["HOST": "0.0.0.0", "PORT": "9000"]) == "http://127.0.0.1:9000/readyz")
        #expect(HealthcheckCommand.defaultURL(["HOST": "::"]) == "http://[::1]:8080/readyz")
        #expect(HealthcheckCommand.defaultURL(["HOST": "fd00::5", "PORT": "81"]) == "http://[fd00::5]:81/readyz")
    }

    @Test func directURLCarriesTheMigrationLockAndListenAndHealthcheckFollowsReadiness() async throws {
        var config = try TestEnvironment.config()
        config.databaseURL = try Self.directURL()
        config.databaseDirectURL = nil
        let services = try AppServices(config: config, logger: TestEnvironment.logger)
        try await services.withRunningDatabase { services in
            try await services.migrator.migrate()
            // The role logs in with the test cluster's password (hex, checked before it is spliced).
            let password = URLComponents(string: try Self.directURL())?.password ?? ""
            let safe = !password.isEmpty && password.unicodeScalars.allSatisfy { CharacterSet(charactersIn: "0123456789abcdefABCDEF").contains($0) }
            #expect(safe, "the test cluster's password is hex")
            guard safe else { return }
            try await services.postgres.query(
                """
                DO $$ BEGIN
                    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'planportal_direct_test') THEN
                        CREATE ROLE planportal_direct_test LOGIN SUPERUSER;
                    END IF;
                END $$
                """
            )
            try await services.postgres.query("ALTER ROLE planportal_direct_test PASSWORD '\(unescaped: password)'")
            // Hold the migration lock, so the server's start-up migrate waits on it where we can see it.
            // The holder's session stays leased while the test looks from others of the pool.
            try await services.postgres.withConnection { holder in try await Database.allowingNestedLeases {
                try await holder.query("SELECT pg_advisory_lock(\(Migrator.lockKey))", logger: TestEnvironment.logger)
                let server = try await ServerProcess.start(environment: ["DATABASE_DIRECT_URL": try Self.directURL(user: Self.directRole)])
                defer { server.stop() }
                var waiting = 0
                for _ in 0..<150 where waiting == 0 {
                    waiting = try await Self.backends(services, query: "%pg_advisory_lock(%", waitingOnLock: true)
                    if waiting == 0 { try await Task.sleep(for: .milliseconds(200)) }
                }
                #expect(waiting == 1, "migrate waits for its lock on a DATABASE_DIRECT_URL session")
                let early = try await Self.healthcheck(["--url", "\(server.base)/readyz", "--timeout", "2"])
                #expect(early.status != 0, "not ready while migrate waits")
                try await holder.query("SELECT pg_advisory_unlock(\(Migrator.lockKey))", logger: TestEnvironment.logger)

                #expect(await server.ready())
                let ready = try await Self.healthcheck(["--url", "\(server.base)/readyz"])
                #expect(ready.status == 0)
                #expect(ready.output == "ready")
                var listening = 0
                for _ in 0..<50 where listening == 0 {
                    listening = try await Self.backends(services, query: "LISTEN%planportal_plans%")
                    if listening == 0 { try await Task.sleep(for: .milliseconds(100)) }
                }
                #expect(listening == 1, "the plan cache listens on a DATABASE_DIRECT_URL session")
                server.stop()
                let stopped = try await Self.healthcheck(["--url", "\(server.base)/readyz", "--timeout", "2"])
                #expect(stopped.status == 1)
            } }
        }
    }
}
