import type { Metadata } from "next";
import { PlannedPage } from "@/components/planned-page";
import { NAV_ITEMS } from "@/components/nav-items";

export const metadata: Metadata = { title: "Setup" };

export default function SetupPage() {
  return (
    <PlannedPage
      item={NAV_ITEMS.find((i) => i.href === "/setup")!}
      will={[
        "The state of each of the guide's steps: IAM user, policy, access key held by GitHub, secrets, the AWS_REGION variable, ECR repositories",
        "A plan of only the missing or wrong steps, with the exact API calls, applied in order with live progress (operators)",
        "The guide's Step 5 as live verification, ending with every doctor check passing",
      ]}
    />
  );
}
