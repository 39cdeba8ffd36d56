import { ConfirmActionButton } from "@/components/rotation/confirm-action-button";
import { adoptPushUserAction, stopUsingPushUserAction } from "./actions";

/** Adopt the IAM user CloudTrail names as the signer of `repository`'s last successful run (a Fleet row, operators only). */
export function AdoptPushUserButton({ repository, userName, current }: { repository: string; userName: string; current: string }) {
  return (
    <ConfirmActionButton
      action={adoptPushUserAction}
      label={`Use ${userName} as ${repository}'s push user`}
      confirmLabel={`Use ${userName}`}
      fields={{ repo: repository, userName }}
      confirmValue="adopt"
      tone="primary"
      consequence={
        <>
          Deckhand asks IAM and CloudTrail again, and if CloudTrail still names {userName} as the signer of {repository}&apos;s last successful run, serves {repository} with push user {userName} instead
          of {current}: its key checks, key actions, policy and rotations act on {userName} from then on (a rotation of {userName} writes {repository}&apos;s secrets; one of {current} no longer
          does). You can stop using it later.
        </>
      }
    />
  );
}

/** Go back to the default push user of a repository whose push user was adopted. */
export function StopUsingPushUserButton({ repository, userName, back }: { repository: string; userName: string; back: string }) {
  return (
    <ConfirmActionButton
      action={stopUsingPushUserAction}
      label={`Stop using ${userName}`}
      confirmLabel={`Go back to ${back}`}
      fields={{ repo: repository, userName }}
      confirmValue="stop"
      consequence={
        <>
          {repository} is served with push user {back} again: its checks, key actions and rotations act on {back}, and a rotation of {userName} no longer writes its secrets.
        </>
      }
    />
  );
}
