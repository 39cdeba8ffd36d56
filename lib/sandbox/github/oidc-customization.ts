import type Database from "better-sqlite3";
import type { SandboxContext } from "../context";
import { readBody, sendJson } from "../http-util";
import type { Router } from "./router";
import { parseJsonBody, validationFailed } from "./errors";
import { repoFor, type Repo } from "./repos";
import { findUser } from "./users";

/**
 * A repository's OIDC subject customization (REST "Actions OIDC": GET/PUT
 * /repos/{owner}/{repo}/actions/oidc/customization/sub). `use_default: false` with `include_claim_keys` replaces the
 * default `sub` by `key:value` pairs in that order (`repo` → `repo:OWNER/REPO`, `context` → the default's context
 * part); `use_immutable_subject` switches the repo part to `OWNER@OWNER_ID/REPO@REPO_ID`. GitHub's documented
 * default: repositories created on or after 2026-07-15 use the immutable form, older ones the name form unless they
 * opt in (GitHub docs, "Immutable subject claims").
 */
export const IMMUTABLE_SUBJECT_SINCE = Date.parse("2026-07-15T00:00:00Z");

export function migrateOidcCustomization(db: Database.Database): void {
  db.exec(`CREATE TABLE IF NOT EXISTS gh_oidc_sub (repo_id INTEGER PRIMARY KEY, use_default INTEGER NOT NULL, include_claim_keys TEXT, use_immutable_subject INTEGER)`);
}

export const OIDC_CUSTOMIZATION_TABLES = ["gh_oidc_sub"];

export interface SubjectTemplate {
  useDefault: boolean;
  includeClaimKeys: string[];
  immutable: boolean;
  /** `repo:OWNER/REPO` or `repo:OWNER@OWNER_ID/REPO@REPO_ID` */
  prefix: string;
}

export function subjectTemplate(ctx: SandboxContext, repo: Repo): SubjectTemplate {
  const row = ctx.db.prepare(`SELECT * FROM gh_oidc_sub WHERE repo_id = ?`).get(repo.id) as { use_default: number; include_claim_keys: string | null; use_immutable_subject: number | null } | undefined;
  const immutable = row?.use_immutable_subject != null ? row.use_immutable_subject === 1 : Date.parse(repo.created_at) >= IMMUTABLE_SUBJECT_SINCE;
  const ownerId = findUser(ctx.db, repo.owner)?.id ?? 0;
  return {
    useDefault: row ? row.use_default === 1 : true,
    includeClaimKeys: row?.include_claim_keys ? (JSON.parse(row.include_claim_keys) as string[]) : [],
    immutable,
    prefix: immutable ? `repo:${repo.owner}@${ownerId}/${repo.name}@${repo.id}` : `repo:${repo.owner}/${repo.name}`,
  };
}

function templateJson(t: SubjectTemplate) {
  return { use_default: t.useDefault, ...(t.useDefault ? {} : { include_claim_keys: t.includeClaimKeys }), use_immutable_subject: t.immutable, sub_claim_prefix: t.prefix };
}

export function registerOidcCustomizationRoutes(router: Router): void {
  router.add("GET", "/repos/{owner}/{repo}/actions/oidc/customization/sub", (r) => {
    const repo = repoFor(r, "read");
    if (!repo) return;
    sendJson(r.res, 200, templateJson(subjectTemplate(r.ctx, repo)));
  });

  router.add("PUT", "/repos/{owner}/{repo}/actions/oidc/customization/sub", async (r) => {
    const repo = repoFor(r, "write");
    if (!repo) return;
    const body = parseJsonBody(await readBody(r.req, 1 << 20));
    const keys = body.include_claim_keys;
    if (typeof body.use_default !== "boolean") return validationFailed(r.res, [{ resource: "OidcCustomSub", field: "use_default", code: "missing_field" }]);
    if (keys !== undefined && (!Array.isArray(keys) || keys.some((k) => typeof k !== "string" || !/^[A-Za-z0-9_]+$/.test(k)) || new Set(keys).size !== keys.length))
      return validationFailed(r.res, [{ resource: "OidcCustomSub", field: "include_claim_keys", code: "invalid" }]);
    if (body.use_default === false && (!Array.isArray(keys) || keys.length === 0))
      return validationFailed(r.res, [{ resource: "OidcCustomSub", field: "include_claim_keys", code: "missing_field" }]);
    if (body.use_immutable_subject !== undefined && typeof body.use_immutable_subject !== "boolean")
      return validationFailed(r.res, [{ resource: "OidcCustomSub", field: "use_immutable_subject", code: "invalid" }]);
    const previous = r.ctx.db.prepare(`SELECT use_immutable_subject FROM gh_oidc_sub WHERE repo_id = ?`).get(repo.id) as { use_immutable_subject: number | null } | undefined;
    const immutable = typeof body.use_immutable_subject === "boolean" ? (body.use_immutable_subject ? 1 : 0) : (previous?.use_immutable_subject ?? null);
    r.ctx.db
      .prepare(`INSERT INTO gh_oidc_sub (repo_id, use_default, include_claim_keys, use_immutable_subject) VALUES (?, ?, ?, ?)
                ON CONFLICT(repo_id) DO UPDATE SET use_default = excluded.use_default, include_claim_keys = excluded.include_claim_keys, use_immutable_subject = excluded.use_immutable_subject`)
      .run(repo.id, body.use_default ? 1 : 0, Array.isArray(keys) ? JSON.stringify(keys) : null, immutable);
    sendJson(r.res, 201, {});
  });
}
