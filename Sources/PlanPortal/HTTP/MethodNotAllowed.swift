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

extension RouteTable {
    /// The router's 404 for a known path asked with another method becomes 405
    /// `method_not_allowed` with `Allow` (step 6 of `EdgeMiddleware`); any other 404 stays `error`.
    func methodNotAllowed(_ request: Request, else error: HTTPError) -> any Error {
        guard let methods = methods(for: request.uri.path), !methods.contains(request.method.rawValue) else { return error }
        var problem = Problem.methodNotAllowed
        problem.headers[.allow] = methods.joined(separator: ", ")
        return problem
    }
}
