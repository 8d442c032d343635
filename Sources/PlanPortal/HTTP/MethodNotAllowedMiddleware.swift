import Hummingbird
import NIOConcurrencyHelpers

/// The route templates of the router and their methods, filled once every route is added.
public final class RouteTable: Sendable {
    private let entries = NIOLockedValueBox<[(segments: [Substring], methods: [String])]>([])

    public init() {}

    /// Records the router's routes (`{name}` segments match any one segment).
    public func load(_ routes: [Router<AppRequestContext>.RouteDescription]) {
        var byPath: [String: Set<String>] = [:]
        for route in routes { byPath[route.path.description, default: []].insert(route.method.rawValue) }
        entries.withLockedValue {
            $0 = byPath.map { (path, methods) in (path.split(separator: "/"), methods.sorted()) }
        }
    }

    /// The methods a concrete path accepts, or nil when no route has that shape.
    public func methods(for path: String) -> [String]? {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        return entries.withLockedValue { entries in
            entries.first { entry in
                entry.segments.count == parts.count
                    && zip(entry.segments, parts).allSatisfy { template, part in template.first == "{" || template == part }
            }?.methods
        }
    }
}

/// Turns the router's 404 for a known path asked with another method into 405 with `Allow`.
public struct MethodNotAllowedMiddleware: RouterMiddleware {
    public typealias Context = AppRequestContext
    let table: RouteTable

    public init(table: RouteTable) {
        self.table = table
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            guard let methods = table.methods(for: request.uri.path), !methods.contains(request.method.rawValue) else { throw error }
            var problem = Problem.methodNotAllowed
            problem.headers[.allow] = methods.joined(separator: ", ")
            throw problem
        }
    }
}
