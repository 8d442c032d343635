import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Behind the login: coverage (the member's and each dependant's), claims (paged list, detail,
/// new claim with a receipt, for the member or a dependant).
extension PortalController {
    @Sendable func coveragePage(_ request: Request, context: PlanRequestContext) async throws -> Response {
        var scope = scope(request, context)
        if let redirect = try await member(request, scope: &scope) { return redirect }
        let session = try scope.requireSession()
        let me = try await sessions.getMe(plan: scope.plan, session: session)
        let mine = try await coverage.getMyCoverage(plan: scope.plan, session: session, language: scope.language)
        let language = scope.language
        let categories: [[String: Any]] = mine.categories.map { category in
            var view: [String: Any] = [
                "code": category.code, "name": category.name, "percent": category.coveragePercent,
                "used": PortalFormat.money(category.usedCents, language),
            ]
            if let max = category.annualMaximumCents, max > 0 {
                let remaining = category.remainingCents ?? max
                view["max"] = PortalFormat.money(max, language)
                view["remaining"] = PortalFormat.money(remaining, language)
                view["usedMeter"] = min(max, category.usedCents)
                view["maxMeter"] = max
                view["usedShare"] = Int((Double(min(max, category.usedCents)) / Double(max) * 100).rounded())
            }
            if let perClaim = category.perClaimMaximumCents { view["perClaim"] = PortalFormat.money(perClaim, language) }
            return view
        }
        var data: [String: Any] = [
            "firstName": me.firstName, "yearStart": mine.benefitYear.start, "yearEnd": mine.benefitYear.end,
            "status": PortalText.text("status_\(mine.status.rawValue)", language), "categories": categories,
        ]
        if let start = mine.coverageStart { data["coverageStart"] = start }
        if let end = mine.coverageEnd { data["coverageEnd"] = end }
        let family = familyCoverage(mine, scope: scope)
        data["family"] = family
        data["hasFamily"] = !family.isEmpty
        return renderer.page("coverage", title: "coverage_title", scope: scope, data: data, form: PortalFormState(notice: notice(request, scope)))
    }

    // MARK: Claims

    static let claimsPerPage = "10"

    @Sendable func claimsPage(_ request: Request, context: PlanRequestContext) async throws -> Response {
        var scope = scope(request, context)
        if let redirect = try await member(request, scope: &scope) { return redirect }
        let cursor = request.uri.queryParameters.get("cursor")
        let query: ClaimListQuery
        do {
            query = try ClaimListQuery(status: nil, limit: Self.claimsPerPage, cursor: cursor)
        } catch {
            return renderer.redirect("\(scope.base)/claims", scope: scope)
        }
        let page = try await claims.listMyClaims(plan: scope.plan, session: try scope.requireSession(), query: query)
        let labels = try await claimLabels(scope)
        var data: [String: Any] = [
            "claims": page.items.map { claimView($0, scope: scope, labels: labels) },
            "empty": page.items.isEmpty, "notFirst": cursor != nil,
        ]
        if let next = page.nextCursor {
            data["next"] = "\(scope.base)/claims?cursor=\(next.addingPercentEncoding(withAllowedCharacters: .urlQueryValueAllowed) ?? "")"
        }
        return renderer.page("claims", title: "claims_title", scope: scope, data: data)
    }

    func claimView(_ claim: ClaimSummary, scope: PortalScope, labels: ClaimLabels) -> [String: Any] {
        var view: [String: Any] = [
            "id": claim.id.uuidString.lowercased(), "status": claim.status.rawValue,
            "statusText": PortalText.text("claim_status_\(claim.status.rawValue)", scope.language),
            "category": labels.categories[claim.category] ?? claim.category, "serviceDate": claim.serviceDate,
            "patient": labels.patients[claim.patient] ?? claim.patient,
            "provider": claim.providerName, "amount": PortalFormat.money(claim.amountCents, scope.language),
            "submittedAt": claim.submittedAt.portalDay,
        ]
        if let approved = claim.approvedAmountCents { view["approved"] = PortalFormat.money(approved, scope.language) }
        return view
    }

    @Sendable func claimPage(_ request: Request, context: PlanRequestContext) async throws -> Response {
        var scope = scope(request, context)
        if let redirect = try await member(request, scope: &scope) { return redirect }
        guard let claimID = context.uuidParameter("claimId") else { throw Problem.claimNotFound }
        let detail = try await claims.getMyClaim(plan: scope.plan, session: try scope.requireSession(), claimID: claimID)
        var view = claimView(detail.summary, scope: scope, labels: try await claimLabels(scope))
        let id = claimID.uuidString.lowercased()
        if let notes = detail.notes { view["notes"] = notes }
        view["history"] = detail.statusHistory.map { change -> [String: Any] in
            var entry: [String: Any] = [
                "statusText": PortalText.text("claim_status_\(change.status.rawValue)", scope.language), "at": change.at.portalDay,
            ]
            if let reason = change.reason { entry["reason"] = reason }
            return entry
        }
        view["receipts"] = detail.attachments.map { attachment -> [String: Any] in
            [
                "href": "\(scope.base)/claims/\(id)/receipts/\(attachment.id.uuidString.lowercased())",
                "name": attachment.filename ?? attachment.contentType, "size": max(1, attachment.sizeBytes / 1024),
            ]
        }
        view["hasReceipts"] = !detail.attachments.isEmpty
        return renderer.page("claim", title: "claim_title", scope: scope, data: ["claim": view], form: PortalFormState(notice: notice(request, scope)))
    }

    @Sendable func receipt(_ request: Request, context: PlanRequestContext) async throws -> Response {
        var scope = scope(request, context)
        if let redirect = try await member(request, scope: &scope) { return redirect }
        guard let claimID = context.uuidParameter("claimId"), let attachmentID = context.uuidParameter("attachmentId") else {
            throw Problem.attachmentNotFound
        }
        let attachment = try await claims.getClaimAttachment(
            plan: scope.plan, session: try scope.requireSession(), claimID: claimID, attachmentID: attachmentID
        )
        return Response(portalAttachment: attachment)
    }

    // MARK: New claim with its receipt

    @Sendable func newClaimForm(_ request: Request, context: PlanRequestContext) async throws -> Response {
        var scope = scope(request, context)
        if let redirect = try await member(request, scope: &scope) { return redirect }
        return try await claimForm(scope: scope, form: PortalFormState(values: ["idempotencyKey": SecretToken.generate()]))
    }

    func claimForm(scope: PortalScope, form: PortalFormState) async throws -> Response {
        let mine = try await coverage.getMyCoverage(plan: scope.plan, session: try scope.requireSession(), language: scope.language)
        let categories = mine.categories.map { ["code": $0.code, "name": $0.name, "selected": $0.code == form.values["category"]] as [String: Any] }
        // Whose care it is: the member (the default) or a dependant, by name and relationship.
        let chosen = form.values["patient"] ?? Patient.selfValue
        let people = mine.people.map { person -> [String: Any] in
            var view = personView(person, scope: scope)
            view["selected"] = person.patient == chosen
            return view
        }
        return renderer.page(
            "claim-new", title: "claim_new_title", scope: scope,
            data: ["categories": categories, "today": Date().portalDay, "people": people, "hasFamily": people.count > 1], form: form
        )
    }

    /// One claim per form: the form's idempotency key makes a double submit (or a reload of the
    /// POST) give back the first claim, whose receipt is then not added twice.
    @Sendable func submitClaim(_ request: Request, context: PlanRequestContext) async throws -> Response {
        var scope = scope(request, context)
        if let redirect = try await member(request, scope: &scope) { return redirect }
        let session = try scope.requireSession()
        let form = try await form(request, context, scope: scope, files: true)
        var state = PortalFormState(values: form.fields.filter {
            ["category", "serviceDate", "providerName", "amount", "notes", "idempotencyKey", "patient"].contains($0.key)
        })
        let text = Self.text
        let cents = PortalFormat.cents(form["amount"])
        if form.optional("category") == nil { state.fail("category", text("claim_category_required")) }
        if cents == nil { state.fail("amount", text("claim_amount_invalid")) }
        let receipt = form.files["receipt"] ?? form.files["receiptPhoto"]
        state.check(upload: receipt, field: "receipt", missing: text("claim_receipt_required"))
        let input = ClaimSubmission(
            category: form["category"], serviceDate: form["serviceDate"], providerName: form["providerName"],
            amountCents: cents ?? 0, currency: "CAD", notes: form.optional("notes"), patient: form.optional("patient")
        )
        do {
            let key = try IdempotencyKey(form.optional("idempotencyKey"))
            if state.hasErrors {
                // The operation's own shape rules, so every broken rule is listed at once.
                do { try input.validateShape(today: CalendarDate.today()) } catch let problem as Problem {
                    state.show(problem, fields: ["amountCents": "amount"])
                    state.errors.removeAll { $0.field == "amount" && cents == nil && $0.rule != "portal" }
                }
                state.status = .unprocessableContent
                return try await claimForm(scope: scope, form: state)
            }
            let submitted = try await claims.submitClaim(plan: scope.plan, session: session, key: key, input: input, facts: scope.facts)
            if !submitted.replayed, let receipt {
                // The form was read whole (within the portal's body limit): its size is known exactly.
                let bytes = receipt.bytes
                _ = try await claims.addClaimAttachment(
                    plan: scope.plan, session: session, claimID: submitted.claimID, filename: receipt.receiptFilename,
                    declaredLength: bytes.readableBytes, facts: scope.facts
                ) { _ in bytes }
            }
            return renderer.redirect("\(scope.base)/claims/\(submitted.claimID.uuidString.lowercased())?m=submitted", scope: scope)
        } catch let problem as Problem {
            state.show(problem, fields: ["amountCents": "amount", "filename": "receipt"])
            return try await claimForm(scope: scope, form: state)
        }
    }
}

extension PortalScope {
    func requireSession() throws -> MemberSession {
        guard let session else { throw Problem.sessionRequired }
        return session
    }
}

extension Response {
    /// A receipt or a proof document handed over by the portal: a download, sandboxed should a
    /// browser render it anyway.
    init(portalAttachment attachment: ClaimAttachment) {
        var headers = attachment.headers
        headers[.contentSecurityPolicy] = "default-src 'none'; frame-ancestors 'none'; sandbox"
        self.init(status: .ok, headers: headers, body: .init(byteBuffer: attachment.bytes))
    }
}
