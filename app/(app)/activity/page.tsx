import type { Metadata } from "next";
import { PlannedPage } from "@/components/planned-page";
import { NAV_ITEMS } from "@/components/nav-items";

export const metadata: Metadata = { title: "Activity" };

export default function ActivityPage() {
  return (
    <PlannedPage
      item={NAV_ITEMS.find((i) => i.href === "/activity")!}
      will={[
        "CloudTrail events made with the push user's keys, newest first",
        "Filters by key, event, errors and time range",
        "A per-day chart of calls and errors over 90 days",
        "Failed calls grouped by error with the guide's explanation",
      ]}
    />
  );
}
