import type { Metadata } from "next";
import { PlannedPage } from "@/components/planned-page";
import { NAV_ITEMS } from "@/components/nav-items";

export const metadata: Metadata = { title: "Overview" };

export default function OverviewPage() {
  return (
    <PlannedPage
      item={NAV_ITEMS[0]}
      will={[
        "The push key's age and verdict, and which key GitHub holds",
        "Policy drift and failed doctor checks",
        "The last workflow run and the last Deckhand push per service",
        "A per-day chart of pushes and failures over 30 days",
      ]}
    />
  );
}
