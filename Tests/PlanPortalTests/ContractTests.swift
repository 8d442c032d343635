import Foundation
import Hummingbird
import Testing
import Yams

@testable import PlanPortal

/// openapi.yaml and the router describe the same operations.
@Suite struct ContractTests {
    static let methods = ["get", "put", "post", "patch", "delete", "head", "options"]

    /// The `paths` object of openapi.yaml.
    func specPaths() throws -> [String: Any] {
        let yaml = try String(contentsOf: repositoryRoot.appendingPathComponent("openapi.yaml"), encoding: .utf8)
        let root = try #require(try Yams.load(yaml: yaml) as? [String: Any])
        return try #require(root["paths"] as? [String: Any])
    }

    func specOperations() throws -> Set<String> {
        let paths = try specPaths()
        var operations = Set<String>()
        for (path, item) in paths {
            let item = try #require(item as? [String: Any])
            for method in Self.methods where item[method] != nil {
                operations.insert("\(method.uppercased()) \(path)")
            }
        }
        return operations
    }

    @Test func everyRouteIsInTheSpecAndEveryOperationHasARoute() throws {
        var config = AppConfig(databaseURL: "postgres://nobody@127.0.0.1:1/none", assetsDirectory: repositoryRoot)
        config.logLevel = .error
        let services = try AppServices(config: config, logger: TestEnvironment.logger)
        let router = buildRouter(services, registry: .init())
        let routes = Set(router.routes.map { "\($0.method.rawValue) \($0.path.description)" })
        let spec = try specOperations()
        #expect(routes.subtracting(spec).sorted() == [], "routes missing from openapi.yaml")
        #expect(spec.subtracting(routes).sorted() == [], "operations without a route")
        #expect(routes.count >= 11)
    }

    @Test func everyOperationHasIdTagSummaryAndAnErrorResponse() throws {
        let paths = try specPaths()
        var ids = Set<String>()
        for (path, item) in paths {
            let item = try #require(item as? [String: Any])
            for method in Self.methods {
                guard let operation = item[method] as? [String: Any] else { continue }
                let id = try #require(operation["operationId"] as? String, "\(method) \(path) has no operationId")
                #expect(ids.insert(id).inserted, "duplicate operationId \(id)")
                #expect((operation["tags"] as? [Any])?.count == 1, "\(id) has one tag")
                #expect(operation["summary"] is String, "\(id) has a summary")
                let responses = try #require(operation["responses"] as? [AnyHashable: Any])
                #expect(responses.keys.contains { "\($0)" == "500" }, "\(id) documents 500")
            }
        }
    }
}
