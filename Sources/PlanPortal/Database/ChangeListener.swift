import Logging
import PostgresNIO
import ServiceLifecycle

/// Listens with one connection of `DATABASE_DIRECT_URL` (LISTEN needs a real session) on the
/// channels of this replica's caches (plan changes, session revocations) and hands each
/// notification to its cache. A cache is told when listening starts (after every `LISTEN` is in
/// effect) and when it stops (lost connection, shutdown), since notifications sent in between
/// are lost; it retries every second.
public struct ChangeListener: Service {
    public struct Subscription: Sendable {
        var channel: String
        /// Every `LISTEN` is in effect: from here on nothing is missed.
        var connected: @Sendable () -> Void
        /// Not listening any more (or not yet again).
        var lost: @Sendable () -> Void
        var notified: @Sendable (String) -> Void
    }

    let client: Database
    let subscriptions: [Subscription]
    let logger: Logger

    public init(client: Database, subscriptions: [Subscription], logger: Logger) {
        self.client = client
        self.subscriptions = subscriptions
        self.logger = logger
    }

    public func run() async throws {
        guard !subscriptions.isEmpty else { return }
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await client.withConnection { connection in
                        try await listen(connection, subscriptions[...])
                    }
                } catch {
                    if Task.isCancelled { break }
                    logger.warning("change listener restarting", metadata: ["error": "\(SafeError.describe(error))"])
                }
                for subscription in subscriptions { subscription.lost() }
                // Cancelled by a graceful shutdown: the loop ends, without an error.
                try? await Task.sleep(for: .seconds(1))
            }
        }
        for subscription in subscriptions { subscription.lost() }
    }

    /// LISTENs on each channel in turn, then consumes every channel's notifications at once.
    private func listen(
        _ connection: PostgresConnection, _ rest: ArraySlice<Subscription>, streams: [(Subscription, PostgresNotificationSequence)] = []
    ) async throws {
        if let next = rest.first {
            try await connection.listen(on: next.channel) { notifications in
                try await listen(connection, rest.dropFirst(), streams: streams + [(next, notifications)])
            }
            return
        }
        for (subscription, _) in streams { subscription.connected() }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (subscription, notifications) in streams {
                group.addTask {
                    for try await notification in notifications { subscription.notified(notification.payload) }
                }
            }
            // One channel's end is the connection's: stop listening on all and start over.
            try await group.next()
            group.cancelAll()
        }
    }
}
