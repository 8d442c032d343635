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
        var response = Self.text(Self.docsPage, type: "text/html; charset=utf-8")
        response.headers[.contentSecurityPolicy] = Self.docsContentSecurityPolicy
        return response
    }

    static func text(_ body: String, type: String) -> Response {
        Response(status: .ok, headers: [.contentType: type], body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    /// The viewer, pinned to one version and checked by Subresource Integrity: a changed or
    /// compromised CDN file is refused by the browser.
    static let viewerScript = "https://cdn.jsdelivr.net/npm/redoc@2.5.4/bundles/redoc.standalone.js"
    static let viewerIntegrity = "sha384-w447zOpYfw/1Tv/5AK9NfHTlQIqE3RVR6KY62jCyy9zNDgO64cMwGGP1Fj0zJVf5"

    /// The only page that runs a script: that one file, plus what Redoc needs (inline styles it
    /// injects, its search worker from a blob, the spec from this origin).
    static let docsContentSecurityPolicy = "default-src 'none'; script-src https://cdn.jsdelivr.net; style-src 'unsafe-inline'; "
        + "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src blob:; "
        + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

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
          <script src="\(viewerScript)" integrity="\(viewerIntegrity)" crossorigin="anonymous"></script>
        </body>
        </html>
        """
}
