import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { requireUser } from "@/lib/infra/auth/session";
import { pageReadContext } from "@/lib/read/context";
import { readRotation } from "@/lib/read/rotation";
import { PageHeader } from "@/components/page-header";
import { RotationProgress } from "@/components/rotation/rotation-progress";
import { ConfirmActionButton } from "@/components/rotation/confirm-action-button";
import { deleteOldKeyNowAction } from "../actions";
import { ResumeRotationButton } from "../../../resume-buttons";

export const metadata: Metadata = { title: "Rotation" };
export const dynamic = "force-dynamic";

export default async function RotationDetailPage({ params }: { params: Promise<{ id: string }> }) {
  const user = await requireUser();
  const id = Number((await params).id);
  const found = readRotation(pageReadContext(), id);
  if (!found) notFound();
  const view = found.view;
  const operator = user.role === "operator";
  return (
    <>
      <PageHeader title={`Rotation #${view.id}`} description="Live progress, step by step, with timings.">
        <Link href="/credentials/rotation" className="text-sm text-sky-700 underline">
          All rotations
        </Link>
      </PageHeader>
      <RotationProgress key={found.updatedAt} initial={view}>
        {operator && view.canResume ? <ResumeRotationButton rotationId={view.id} /> : null}
        {operator && view.canDeleteOldKey ? (
          <ConfirmActionButton
            action={deleteOldKeyNowAction}
            label="Delete the old key now"
            confirmLabel={`Delete ${view.oldKeyId}`}
            confirmValue="delete"
            fields={{ rotationId: view.id }}
            consequence={<>The old key {view.oldKeyId} is deleted for good instead of after the grace period; it can no longer be reactivated if something still needed it.</>}
          />
        ) : null}
      </RotationProgress>
    </>
  );
}
