import Testing

/// One tag per `operationId` of openapi.yaml, in its order. A test names the operations whose
/// behaviour it asserts with `@Test(.tags(.createSession, …))`, so from an operationId a reader
/// finds its handler and its operation (both of that name) and its tests (this tag).
/// `ContractTests.everyOperationHasATestNamingIt` fails when an operation has no test with its
/// tag, or a tag here names no operation.
extension Tag {
    @Tag static var getHealth: Self
    @Tag static var getReadiness: Self
    @Tag static var getMetrics: Self
    @Tag static var getOpenAPIYAML: Self
    @Tag static var getOpenAPIJSON: Self
    @Tag static var getDocs: Self
    @Tag static var createPlan: Self
    @Tag static var listPlans: Self
    @Tag static var getPlan: Self
    @Tag static var updatePlan: Self
    @Tag static var putPlanLogo: Self
    @Tag static var deletePlanLogo: Self
    @Tag static var listAuditEvents: Self
    @Tag static var importRoster: Self
    @Tag static var importDependantRoster: Self
    @Tag static var listDependantRequests: Self
    @Tag static var decideDependantRequest: Self
    @Tag static var getMember: Self
    @Tag static var lockMember: Self
    @Tag static var unlockMember: Self
    @Tag static var revokeMemberSessions: Self
    @Tag static var publishTerms: Self
    @Tag static var getPublicPlan: Self
    @Tag static var getPlanLogo: Self
    @Tag static var startRegistration: Self
    @Tag static var submitIdentity: Self
    @Tag static var resendActivation: Self
    @Tag static var getActivation: Self
    @Tag static var activateAccount: Self
    @Tag static var listSecurityQuestions: Self
    @Tag static var getPasswordPolicy: Self
    @Tag static var getTerms: Self
    @Tag static var createSession: Self
    @Tag static var deleteCurrentSession: Self
    @Tag static var getMe: Self
    @Tag static var updateMe: Self
    @Tag static var changePassword: Self
    @Tag static var putSecurityQuestion: Self
    @Tag static var requestPasswordReset: Self
    @Tag static var getPasswordReset: Self
    @Tag static var completePasswordReset: Self
    @Tag static var putBenefits: Self
    @Tag static var getBenefits: Self
    @Tag static var listPlanClaims: Self
    @Tag static var getPlanClaim: Self
    @Tag static var getPlanClaimAttachment: Self
    @Tag static var decideClaim: Self
    @Tag static var changeClaimStatus: Self
    @Tag static var createWebhook: Self
    @Tag static var listWebhooks: Self
    @Tag static var getWebhook: Self
    @Tag static var updateWebhook: Self
    @Tag static var deleteWebhook: Self
    @Tag static var rotateWebhookSecret: Self
    @Tag static var listWebhookDeliveries: Self
    @Tag static var replayWebhookDelivery: Self
    @Tag static var getMyCoverage: Self
    @Tag static var submitClaim: Self
    @Tag static var listMyClaims: Self
    @Tag static var getMyClaim: Self
    @Tag static var addClaimAttachment: Self
    @Tag static var getClaimAttachment: Self
    @Tag static var listMyDependants: Self
    @Tag static var submitDependantRequest: Self
    @Tag static var listMyDependantRequests: Self
    @Tag static var addDependantRequestDocument: Self
    @Tag static var getDependantRequestDocument: Self
    @Tag static var getPlanDependantRequestDocument: Self
    @Tag static var getChallenge: Self
}
