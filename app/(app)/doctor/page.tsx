import type { Metadata } from "next";
import { PlannedPage } from "@/components/planned-page";
import { NAV_ITEMS } from "@/components/nav-items";

export const metadata: Metadata = { title: "Doctor" };

export default function DoctorPage() {
  return (
    <PlannedPage
      item={NAV_ITEMS.find((i) => i.href === "/doctor")!}
      will={[
        "Every case of the guide's Troubleshooting section as a live check: pass, fail or unknown",
        "The evidence and the API calls behind each check",
        "The guide's fix steps for each failing check",
      ]}
    />
  );
}
