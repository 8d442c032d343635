import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
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
        // The member portal's HTML pages (`/portal/**`) are not part of the JSON API that
        // openapi.yaml describes; they are left out here on purpose (PortalTests cover them).
        let all = router.routes.map { "\($0.method.rawValue) \($0.path.description)" }
        let routes = Set(all.filter { !$0.split(separator: " ")[1].hasPrefix("/portal/") })
        #expect(all.contains("GET /portal/{plan}/register"), "the portal is served")
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

    /// The whole document, parsed.
    func specRoot() throws -> [String: Any] {
        let yaml = try String(contentsOf: repositoryRoot.appendingPathComponent("openapi.yaml"), encoding: .utf8)
        return try #require(try Yams.load(yaml: yaml) as? [String: Any])
    }

    /// Follows a local `$ref` (`#/components/…`) until an object without one.
    func resolve(_ node: Any?, in root: [String: Any]) -> [String: Any]? {
        var current = node as? [String: Any]
        var hops = 0
        while let ref = current?["$ref"] as? String, ref.hasPrefix("#/"), hops < 10 {
            var target: Any? = root
            for part in ref.dropFirst(2).split(separator: "/") { target = (target as? [String: Any])?[String(part)] }
            current = target as? [String: Any]
            hops += 1
        }
        return current
    }

    /// Every object schema, however deeply nested, defines each name it requires: a required name
    /// without its property is skipped by client generators (the member's `people` once was, when
    /// its definition had slipped into `CoveragePerson`).
    @Test func everyRequiredPropertyIsDefined() throws {
        var missing: [String] = []
        func visit(_ node: Any, at path: String) {
            if let list = node as? [Any] {
                for (index, item) in list.enumerated() { visit(item, at: "\(path)/\(index)") }
                return
            }
            guard let object = node as? [String: Any] else { return }
            if let required = object["required"] as? [String], let properties = object["properties"] as? [String: Any] {
                missing += required.filter { properties[$0] == nil }.map { "\(path): \($0)" }
            }
            for (key, value) in object { visit(value, at: "\(path)/\(key)") }
        }
        let root = try specRoot()
        visit(root, at: "#")
        #expect(missing.sorted() == [], "required but not defined")
    }

    /// Issue #6 §1: request and response schemas, examples, problem bodies for every error, security.
    @Test func everyOperationIsCompletelyDescribed() throws {
        let root = try specRoot()
        let schemes = try #require((root["components"] as? [String: Any])?["securitySchemes"] as? [String: Any])
        #expect(Set(schemes.keys).isSuperset(of: ["adminKey", "memberSession"]))
        var problems: [String] = []
        for (path, item) in try specPaths() {
            let item = try #require(item as? [String: Any])
            for method in Self.methods {
                guard let operation = item[method] as? [String: Any], let id = operation["operationId"] as? String else { continue }
                let security = operation["security"] as? [[String: Any]]
                if path.hasPrefix("/v1/admin") {
                    if security?.contains(where: { $0["adminKey"] != nil }) != true { problems.append("\(id): admin operation without adminKey security") }
                } else if security == nil {
                    problems.append("\(id): no security (use [] for public operations)")
                }
                if let body = resolve(operation["requestBody"], in: root) {
                    let content = body["content"] as? [String: Any] ?? [:]
                    if content.isEmpty { problems.append("\(id): request body without content") }
                    for (type, media) in content {
                        let media = media as? [String: Any] ?? [:]
                        if media["schema"] == nil { problems.append("\(id): request \(type) without schema") }
                        let schema = resolve(media["schema"], in: root) ?? [:]
                        if type.contains("json"), media["example"] == nil, media["examples"] == nil, schema["example"] == nil, schema["examples"] == nil {
                            problems.append("\(id): request \(type) without example")
                        }
                    }
                }
                let responses = try #require(operation["responses"] as? [AnyHashable: Any])
                for (status, response) in responses {
                    let code = "\(status)"
                    let response = try #require(resolve(response, in: root), "\(id) \(code)")
                    let content = response["content"] as? [String: Any] ?? [:]
                    for (type, media) in content {
                        let media = media as? [String: Any] ?? [:]
                        guard let schema = resolve(media["schema"], in: root) else {
                            problems.append("\(id) \(code): \(type) without schema")
                            continue
                        }
                        if (schema["type"] as? String) == "object", schema["properties"] == nil, schema["additionalProperties"] == nil {
                            problems.append("\(id) \(code): bare object schema")
                        }
                    }
                    if code.hasPrefix("4") || code.hasPrefix("5") {
                        let problem = (content["application/problem+json"] as? [String: Any])?["schema"] as? [String: Any]
                        if problem?["$ref"] as? String != "#/components/schemas/Problem" {
                            problems.append("\(id) \(code): error without the Problem schema")
                        }
                    }
                }
            }
        }
        #expect(problems == [], "\(problems.joined(separator: "\n"))")
    }

    /// Every operationId has a Swift Testing tag (Support/OperationTags.swift) and at least one
    /// `@Test` or `@Suite` carrying it; no tag names an operation the contract does not have.
    @Test func everyOperationHasATestNamingIt() throws {
        var ids: [String] = []
        for (_, item) in try specPaths() {
            let item = try #require(item as? [String: Any])
            ids += Self.methods.compactMap { (item[$0] as? [String: Any])?["operationId"] as? String }
        }
        let tests = repositoryRoot.appendingPathComponent("Tests/PlanPortalTests")
        let declared = try String(contentsOf: tests.appendingPathComponent("Support/OperationTags.swift"), encoding: .utf8)
            .matches(of: /@Tag static var (\w+): Self/).map { String($0.output.1) }
        #expect(Set(declared) == Set(ids), "tags without an operation: \(Set(declared).subtracting(ids).sorted()); operations without a tag: \(Set(ids).subtracting(declared).sorted())")
        var tagged = Set<String>()
        let files = try #require(FileManager.default.enumerator(atPath: tests.path)).compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") }
        for file in files {
            let source = try String(contentsOf: tests.appendingPathComponent(file), encoding: .utf8)
            for attribute in source.matches(of: /@(?:Test|Suite)\([^\n]*?\.tags\(([^)]*)\)/) {
                tagged.formUnion(attribute.output.1.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: ["."]) })
            }
        }
        #expect(Set(ids).subtracting(tagged).sorted() == [], "operations no test names")
        #expect(ids.count >= 40)
    }

    /// An undeclared method on a declared path is 405 with `Allow`, not 404.
    @Test func undeclaredMethodsGet405WithAllow() async throws {
        try await TestEnvironment.withApp { client, _, key in
            try await client.execute(uri: "/healthz", method: .init("TRACE")!) { response in
                #expect(response.status == .methodNotAllowed)
                #expect(response.headers[.allow] == "GET")
                try #expect(response.problemCode() == "method_not_allowed")
            }
            try await client.execute(uri: "/v1/admin/plans/some-plan", method: .delete, headers: .admin(key)) { response in
                #expect(response.status == .methodNotAllowed)
                #expect(response.headers[.allow] == "GET, PATCH")
            }
            try await client.execute(uri: "/v1/admin/nothing-here", method: .get, headers: .admin(key)) { response in
                #expect(response.status == .notFound)
            }
        }
    }
}
