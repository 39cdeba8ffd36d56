import type { Metadata } from "next";
import { PlannedPage } from "@/components/planned-page";
import { NAV_ITEMS } from "@/components/nav-items";

export const metadata: Metadata = { title: "Registry" };

export default function RegistryPage() {
  return (
    <PlannedPage
      item={NAV_ITEMS.find((i) => i.href === "/registry")!}
      will={[
        "All ECR repositories in the configured region with URI, tag mutability, image count and the digest latest points to",
        "Each repository's images with manifest and config digests, tags linked to commits, sizes and pulls",
        "Which Deckhand push produced an image",
      ]}
    />
  );
}
