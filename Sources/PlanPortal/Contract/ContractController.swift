import Hummingbird

/// Tag `contract`: the OpenAPI document the handlers are written from, and a page for humans.
public struct ContractController: Sendable {
    let document: OpenAPIDocument

    public init(document: OpenAPIDocument) {
        self.document = document
    }

    public func addRoutes(to router: Router<AppRequestContext>) {
        router.get("openapi.yaml", use: getOpenAPIYAML)
        router.get("openapi.json", use: getOpenAPIJSON)
        router.get("docs", use: getDocs)
    }

    @Sendable func getOpenAPIYAML(_ request: Request, context: AppRequestContext) async throws -> Response {
        Self.text(document.yaml, type: "application/yaml; charset=utf-8")
    }

    @Sendable func getOpenAPIJSON(_ request: Request, context: AppRequestContext) async throws -> Response {
        Self.text(document.json, type: "application/json; charset=utf-8")
    }

    @Sendable func getDocs(_ request: Request, context: AppRequestContext) async throws -> Response {
        Self.text(Self.docsPage, type: "text/html; charset=utf-8")
    }

    static func text(_ body: String, type: String) -> Response {
        Response(status: .ok, headers: [.contentType: type], body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    /// Renders the spec with Redoc from its CDN (this page only); the raw links work offline.
    static let docsPage = """
        <!doctype html>
        <html lang="en">
        <head>
          <meta charset="utf-8">
          <meta name="viewport" content="width=device-width, initial-scale=1">
          <title>PlanPortal API</title>
          <style>body{margin:0;font-family:system-ui,sans-serif} header{padding:12px 20px;background:#0b3d5c;color:#fff} header a{color:#fff;margin-right:16px}</style>
        </head>
        <body>
          <header>
            <strong>PlanPortal API</strong> &middot;
            <a href="/openapi.yaml">openapi.yaml</a>
            <a href="/openapi.json">openapi.json</a>
          </header>
          <redoc spec-url="/openapi.json"></redoc>
          <noscript>The contract is available as <a href="/openapi.yaml">YAML</a> and <a href="/openapi.json">JSON</a>.</noscript>
          <script src="https://cdn.redoc.ly/redoc/latest/bundles/redoc.standalone.js"></script>
        </body>
        </html>
        """
}
