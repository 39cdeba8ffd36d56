import { repoParamOf, type ReadContext } from "@/lib/read/context";
import { getConfig } from "@/lib/infra/config/env";

/**
 * Deckhand's changes (rotations, policy, dispatches, re-runs, manual pushes) act on the default repository and its
 * push user; on another repository's pages they are hidden, and this says why. Nothing when the default is shown.
 */
export function OtherRepositoryNote({ ctx, operator }: { ctx: ReadContext; operator: boolean }) {
  if (!operator || repoParamOf(ctx) === null) return null;
  return (
    <p className="mb-4 rounded border border-sky-200 bg-sky-50 p-3 text-sm text-sky-950" data-testid="other-repository-note">
      Showing {ctx.github.repository}: Deckhand&apos;s changes act on the default repository ({getConfig().github.repository}) only, so they are not
      offered here.
    </p>
  );
}

/** Whether this page may offer changes: an operator, looking at the default repository. */
export function canChangeHere(ctx: ReadContext, role: string): boolean {
  return role === "operator" && repoParamOf(ctx) === null;
}
