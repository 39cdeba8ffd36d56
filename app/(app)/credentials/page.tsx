import type { Metadata } from "next";
import { PlannedPage } from "@/components/planned-page";
import { NAV_ITEMS } from "@/components/nav-items";

export const metadata: Metadata = { title: "Credentials" };

export default function CredentialsPage() {
  return (
    <PlannedPage
      item={NAV_ITEMS.find((i) => i.href === "/credentials")!}
      will={[
        "Every access key of the push user with status, age, created date and last use (date, service, region)",
        "A verdict per key against the thresholds in Settings",
        "Which key the GitHub secrets most likely hold, with the evidence",
        "Whether AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and the AWS_REGION variable are set as the guide says",
        "Key rotation and key management for operators",
      ]}
    />
  );
}
