import type { Metadata } from "next";
import { PlannedPage } from "@/components/planned-page";
import { NAV_ITEMS } from "@/components/nav-items";

export const metadata: Metadata = { title: "Pushes" };

export default function PushesPage() {
  return (
    <PlannedPage
      item={NAV_ITEMS.find((i) => i.href === "/pushes")!}
      will={[
        "Every webhook delivery with its outcome",
        "Deckhand's build-and-push jobs with per-service decisions, digests and live logs",
        "Triggering, cancelling and re-running a push (operators)",
      ]}
    />
  );
}
