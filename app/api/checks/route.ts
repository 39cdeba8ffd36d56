import { NextResponse } from "next/server";
import { withBearer } from "@/lib/infra/http/route-wrappers";
import { servedRepositories } from "@/lib/infra/config/served-repositories";
import { appReadContext, selectRepository } from "@/lib/read/context";
import { readChecksPerRepository } from "@/lib/read/fleet";

export const dynamic = "force-dynamic";

/**
 * The Doctor's checks as JSON, for scripts and monitoring, each labelled with its `repository`. `?repo=owner/name`:
 * that configured repository's (404 for one Deckhand does not watch; 400 for any other query parameter). Without it: the default repository's checks
 * (`checks`, as before several repositories) and, when several are configured, every one's under `repositories`;
 * `ok` is then true only when no check fails in any of them. `mode`: `oidc` when the repository's ECR workflow
 * assumes a role (the checks are the Doctor's OIDC mode's), else `key` (the guide's checks of the access key).
 */
export const GET = withBearer({ name: "api.checks", token: (c) => c.apiToken }, async (req, { config }) => {
  // A misspelt parameter (`?repository=`) would otherwise answer for the default repository, and a monitor would
  // watch the wrong one without knowing.
  const unknown = [...new Set(req.nextUrl.searchParams.keys())].filter((k) => k !== "repo");
  if (unknown.length > 0) return NextResponse.json({ error: `Unknown query parameter ${unknown.map((k) => `"${k.slice(0, 40)}"`).join(", ")}: the only one is ?repo=owner/name` }, { status: 400 });
  if (req.nextUrl.searchParams.getAll("repo").length > 1) return NextResponse.json({ error: "?repo= is given more than once: name one repository" }, { status: 400 });
  if (req.nextUrl.searchParams.get("repo")?.trim() === "") return NextResponse.json({ error: "?repo= is empty: name a repository (owner/name), or leave it out for the default one" }, { status: 400 });
  const all = servedRepositories(config);
  const param = req.nextUrl.searchParams.get("repo");
  const chosen = param === null ? null : selectRepository(all, param);
  if (param !== null && !chosen) {
    return NextResponse.json({ error: `${param} is not a configured repository (GITHUB_REPOSITORIES): ${all.map((r) => r.repository).join(", ")}` }, { status: 404 });
  }
  const per = await readChecksPerRepository(appReadContext(), chosen ? [chosen] : all);
  const first = per[0];
  return NextResponse.json({
    ok: per.every((r) => r.ok),
    generatedAt: new Date().toISOString(),
    repository: first.repository,
    mode: first.mode,
    checks: first.checks,
    ...(chosen || all.length === 1 ? {} : { repositories: per }),
  });
});
