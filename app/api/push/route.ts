import { NextResponse } from "next/server";
import { withBearer } from "@/lib/infra/http/route-wrappers";
import { selectRepository } from "@/lib/infra/config/env";
import { servedRepositories } from "@/lib/infra/config/served-repositories";
import { appOperationContext } from "@/lib/operations/context";
import { SafeError } from "@/lib/errors";
import { recordAudit } from "@/lib/infra/audit/record-audit";
import { triggerPush, triggerPushInput } from "@/lib/operations/pushes/trigger-push";

export const dynamic = "force-dynamic";

const USAGE = 'Body must be JSON: { "ref": "main" } or { "sha": "<commit>" }, with "repository": "owner/name" for a repository other than the default';

/**
 * For scripts and other CI systems, bearer DECKHAND_API_TOKEN. Body: `{ "ref": "main" }` or `{ "sha": "abc1234" }`,
 * plus `"repository": "owner/name"` to push one of the other served repositories (GITHUB_REPOSITORIES, named or
 * discovered; absent: the default one). Answers 202 `{ jobId, sha, repository, duplicate: false }` (200 when the same commit is already
 * queued), 400 naming what was wrong in the body, 404 for a repository Deckhand does not watch, or a branch, commit or repository GitHub does not show (nothing queued).
 */
export const POST = withBearer({ name: "api.push", token: (c) => c.apiToken }, async (req, { db, config }) => {
  let body: unknown;
  try {
    body = await req.json();
  } catch {
    return NextResponse.json({ error: USAGE }, { status: 400 });
  }
  if (!body || typeof body !== "object" || Array.isArray(body)) return NextResponse.json({ error: USAGE }, { status: 400 });
  // A misnamed key ("repo", "branch") must not be dropped: {"ref":"main","repo":"o/x"} would push the default repository.
  const unknown = Object.keys(body).filter((k) => !["ref", "sha", "repository"].includes(k));
  if (unknown.length > 0) return NextResponse.json({ error: `Unknown key ${unknown.map((k) => `"${k.slice(0, 40)}"`).join(", ")}. ${USAGE}` }, { status: 400 });
  if (!("ref" in body) && !("sha" in body)) return NextResponse.json({ error: USAGE }, { status: 400 });
  const named = (body as Record<string, unknown>).repository;
  // Named but blank (a script's empty variable) is bad input, not "the default repository".
  if (named !== undefined && (typeof named !== "string" || named.trim() === "" || named.length > 200)) return NextResponse.json({ error: '"repository" must be owner/name' }, { status: 400 });
  const served = servedRepositories(config, db);
  const repository = selectRepository(served, named?.trim());
  if (!repository) {
    const configured = served.map((r) => r.repository).join(", ");
    return NextResponse.json({ error: `Deckhand does not watch the repository "${named}": it pushes only the configured ones (${configured}).` }, { status: 404 });
  }
  const input = triggerPushInput.safeParse(body);
  if (!input.success) return NextResponse.json({ error: input.error.issues[0]?.message ?? USAGE }, { status: 400 });
  const actor = { login: "api-token", role: "system" as const };
  let out: Awaited<ReturnType<typeof triggerPush>>;
  try {
    out = await triggerPush({ ...appOperationContext(actor, repository), db }, input.data, "api");
  } catch (err) {
    // No such branch, commit or repository on GitHub: the script's input names nothing there (404), nothing queued.
    if (err instanceof SafeError && err.code === "not-found") return NextResponse.json({ error: err.message, code: err.code }, { status: 404 });
    throw err;
  }
  recordAudit(db, {
    actor: actor.login,
    role: "system",
    action: "push.trigger",
    target: out.job.id,
    outcome: "success",
    detail: { sha: out.job.sha, branch: out.job.branch, repository: repository.repository, via: "api" },
  });
  return NextResponse.json({ jobId: out.job.id, sha: out.job.sha, repository: repository.repository, duplicate: out.duplicate }, { status: out.duplicate ? 200 : 202 });
});
