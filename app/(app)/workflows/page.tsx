import type { Metadata } from "next";
import { PlannedPage } from "@/components/planned-page";
import { NAV_ITEMS } from "@/components/nav-items";

export const metadata: Metadata = { title: "Workflows" };

export default function WorkflowsPage() {
  return (
    <PlannedPage
      item={NAV_ITEMS.find((i) => i.href === "/workflows")!}
      will={[
        "Runs of the ECR workflow and the repository's other workflows, with filters",
        "A run's jobs and steps with the failing step's error",
        "Dispatching the workflow and re-running a failed run (operators)",
      ]}
    />
  );
}
