/**
 * Runs once when the Next.js server starts: configuration is parsed and the store migrated before the
 * first request, so a bad setting stops the server instead of failing on some later page.
 */
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { getConfig } = await import("./lib/infra/config/env");
  const { getDb } = await import("./lib/infra/db");
  getConfig();
  getDb();
  // Resume a rotation a crash interrupted, and run the scheduled deletions of old keys.
  (await import("./lib/operations/rotation/scheduler")).startRotationScheduler();
  // Resume a guided setup a crash interrupted (after the rotation scheduler: its key step is a rotation).
  void (await import("./lib/operations/setup/resume-on-start")).resumeSetupOnStart();
  // Resume a move to the OIDC role a crash interrupted.
  void (await import("./lib/operations/oidc/resume-on-start")).resumeOidcMoveOnStart();
  // Push deliveries waiting for the forward-only check (GitHub was down, or the app restarted after answering).
  const { getClients } = await import("./lib/integrations/clients");
  (await import("./lib/operations/pushes/process-pending-deliveries")).startPendingDeliveryProcessor(() => {
    const clients = getClients();
    return { db: getDb(), github: clients.github, repo: clients.repo };
  });
  // Repositories under GITHUB_REPOSITORIES' owner/* entries: discovered now and every 15 minutes (none without one).
  if (getConfig().github.discover.length > 0) {
    const { appOperationContext } = await import("./lib/operations/context");
    (await import("./lib/operations/fleet/refresh-discoveries")).startDiscoveryScheduler(() => appOperationContext({ login: "deckhand", role: "system" }));
  }
  // Forget finished jobs, their logs and deliveries after DECKHAND_RETENTION_DAYS.
  (await import("./lib/operations/pushes/prune-history")).startRetentionScheduler(getDb, getConfig().retentionDays);
}
