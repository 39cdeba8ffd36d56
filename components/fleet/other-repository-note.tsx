import { repoParamOf, type ReadContext } from "@/lib/read/context";
import { getConfig } from "@/lib/infra/config/env";

/**
 * The changes that act per IAM push user (key rotation, key actions, the policy apply) still act on the default
 * repository's user only; on another repository's Credentials and Policy pages they are hidden, and this says why.
 * Dispatches, re-runs and pushes act on the repository the page shows (defineAction `repository: true`) and are not
 * hidden. Nothing when the default is shown.
 */
export function OtherRepositoryNote({ ctx, operator }: { ctx: ReadContext; operator: boolean }) {
  if (!operator || repoParamOf(ctx) === null) return null;
  return (
    <p className="mb-4 rounded border border-sky-200 bg-sky-50 p-3 text-sm text-sky-950" data-testid="other-repository-note">
      Showing {ctx.github.repository}: key rotation, key actions and the policy apply act on the push user of the default repository (
      {getConfig().github.repository}) only, so they are not offered here. Workflow dispatches, re-runs and pushes act on {ctx.github.repository} from
      its own pages.
    </p>
  );
}

/** Whether this page may offer the per-push-user changes (rotation, key actions, policy): an operator, looking at the default repository. */
export function canChangeHere(ctx: ReadContext, role: string): boolean {
  return role === "operator" && repoParamOf(ctx) === null;
}
