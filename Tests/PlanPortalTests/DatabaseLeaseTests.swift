import Foundation
import Logging
import PostgresNIO
import Testing

@testable import PlanPortal

/// A task that holds a pooled connection and leases a second one of the same pool can deadlock
/// it (every connection held, every holder waiting for one more). `Database` reports it; the test
/// command makes it fatal (`PLANPORTAL_STRICT_LEASES=1`), so no suite passes with one.
struct DatabaseLeaseTests {
    static func nested(_ capture: LogCapture) -> [String] {
        capture.all.filter { $0.hasPrefix("error nested database lease") }
    }

    @Test func aSecondLeaseOfTheSamePoolWhileHoldingOneIsReported() async throws {
        let configuration = try DatabaseURL.configuration(from: try TestEnvironment.databaseURL())
        let capture = LogCapture()
        let timeouts = Database.Timeouts(acquire: .seconds(30), statement: .seconds(60))
        let database = Database(configuration: configuration, timeouts: timeouts, strictLeases: false, logger: capture.logger)
        let other = Database(configuration: configuration, timeouts: timeouts, strictLeases: false, logger: capture.logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await database.run() }
            group.addTask { try await other.run() }
            defer { group.cancelAll() }

            // One lease after another, another pool while holding one, and the explicit opt-out: quiet.
            _ = try await database.query("SELECT 1")
            try await database.withConnection { connection in
                _ = try await connection.query("SELECT 1", logger: TestEnvironment.logger)
                _ = try await other.query("SELECT 1")
                try await Database.allowingNestedLeases { _ = try await database.query("SELECT 1") }
            }
            #expect(Self.nested(capture).isEmpty)

            // The same pool again, from a lease and from a request transaction: reported with both places.
            try await database.withConnection { _ in _ = try await database.query("SELECT 1") }
            try await database.transaction(logger: TestEnvironment.logger) { _ in
                try await database.withConnection { _ in }
            }
            let lines = Self.nested(capture)
            #expect(lines.count == 2)
            #expect(lines.allSatisfy { $0.contains("at=PlanPortalTests/DatabaseLeaseTests.swift:") && $0.contains("holding=PlanPortalTests/DatabaseLeaseTests.swift:") })
        }
    }
}
