import { ConfirmActionButton } from "@/components/rotation/confirm-action-button";
import { resumeRotationAction } from "./credentials/rotation/actions";
import { resumeSetupAction } from "./setup/actions";

/** Resume a stopped rotation (the rotation page, the Overview, Credentials): the same words everywhere. */
export function ResumeRotationButton({ rotationId }: { rotationId: number }) {
  return (
    <ConfirmActionButton
      action={resumeRotationAction}
      label="Resume"
      confirmLabel="Resume the rotation"
      fields={{ rotationId }}
      tone="primary"
      goToRotation
      consequence={<>The rotation continues from where it stopped. A new key GitHub never received is deleted first and created again.</>}
    />
  );
}

/** Resume a stopped guided setup (the Setup page, the Overview, Credentials). */
export function ResumeSetupButton({ setupId }: { setupId: number }) {
  return (
    <ConfirmActionButton
      action={resumeSetupAction}
      label="Resume setup"
      confirmLabel="Resume the setup"
      fields={{ setupId }}
      tone="primary"
      consequence={<>The setup continues with the step that stopped; steps already done are not repeated.</>}
    />
  );
}
