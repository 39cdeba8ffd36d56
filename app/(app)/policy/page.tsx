import type { Metadata } from "next";
import { PlannedPage } from "@/components/planned-page";
import { NAV_ITEMS } from "@/components/nav-items";

export const metadata: Metadata = { title: "Policy" };

export default function PolicyPage() {
  return (
    <PlannedPage
      item={NAV_ITEMS.find((i) => i.href === "/policy")!}
      will={[
        "The push user's inline and attached policies, normalised",
        "Drift against the expected policy, AWS's minimal push set and the actions seen in CloudTrail",
        "Findings such as Resource \"*\" where repository ARNs would do",
        "Applying the expected policy (operators), shown as a diff first",
      ]}
    />
  );
}
