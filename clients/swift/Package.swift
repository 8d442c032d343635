// swift-tools-version:6.0
// A client for the PlanPortal API, generated at build time from the repository's openapi.yaml
// (Sources/PlanPortalClient/openapi.yaml is a symlink to it) by swift-openapi-generator.
// This package is separate from the server's: the main Package.swift does not reference it.
import PackageDescription

let package = Package(
    name: "PlanPortalClient",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "PlanPortalClient", targets: ["PlanPortalClient"]),
        .executable(name: "planportal-seed-flow", targets: ["planportal-seed-flow"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-openapi-generator", from: "1.14.3"),
        .package(url: "https://github.com/apple/swift-openapi-runtime", from: "1.13.4"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/swift-openapi-async-http-client", from: "1.5.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        .target(
            name: "PlanPortalClient",
            dependencies: [
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            plugins: [
                .plugin(name: "OpenAPIGenerator", package: "swift-openapi-generator"),
            ]
        ),
        .executableTarget(
            name: "planportal-seed-flow",
            dependencies: [
                "PlanPortalClient",
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "OpenAPIAsyncHTTPClient", package: "swift-openapi-async-http-client"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
    ]
)
