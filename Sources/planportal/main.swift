import PlanPortal

await PlanPortalCommand.runMain()
