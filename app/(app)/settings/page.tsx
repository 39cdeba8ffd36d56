import type { Metadata } from "next";
import { requireUser } from "@/lib/infra/auth/session";
import { pageReadContext } from "@/lib/read/context";
import { readOidcGraceDays, readThresholds, readWebhookPushes } from "@/lib/read/settings";
import { PageHeader } from "@/components/page-header";
import { ThresholdsForm } from "./thresholds-form";
import { setGraceDaysAction, setWebhookPushesAction, updateThresholdsAction } from "./actions";
import { GraceDaysForm } from "./grace-days-form";
import { WebhookPushesForm } from "./webhook-pushes-form";

export const metadata: Metadata = { title: "Settings" };

export default async function SettingsPage() {
  const user = await requireUser();
  const thresholds = readThresholds(pageReadContext());
  return (
    <>
      <PageHeader title="Settings" description="Thresholds the Credentials, Overview and Doctor pages judge access keys by, and whether GitHub's push webhook makes Deckhand build and push. Changes are audited." />
      <h2 className="mb-3 text-lg font-medium">Access key thresholds</h2>
      <ThresholdsForm values={thresholds} canEdit={user.role === "operator"} action={updateThresholdsAction} />
      <h2 className="mt-8 mb-3 text-lg font-medium">Webhook pushes</h2>
      <WebhookPushesForm enabled={readWebhookPushes(pageReadContext())} canEdit={user.role === "operator"} action={setWebhookPushesAction} />
      <h2 className="mt-8 mb-3 text-lg font-medium">Retiring the key after the move to the OIDC role</h2>
      <GraceDaysForm days={readOidcGraceDays(pageReadContext())} canEdit={user.role === "operator"} action={setGraceDaysAction} />
    </>
  );
}
