import { z } from "zod";
import { getConfig, selectRepository, type ConfiguredRepository, type DeckhandConfig } from "../config/env";
import { getDb } from "../db";
import { servedRepositories } from "../config/served-repositories";
import type { Db } from "../db/open-db";
import { appCache, type TtlCache } from "../cache/ttl-cache";
import { recordAudit } from "../audit/record-audit";
import { getSessionUser, type SessionUser } from "../auth/session";
import { roleAllows, type Role } from "../auth/roles";
import { clientsForRepository, getClients, type Clients } from "../../integrations/clients";
import { toUserFacing, type SafeErrorCode } from "../../errors";
import type { OperationContext } from "../../operations/context";

export type ActionResult<T = undefined> =
  | { ok: true; message?: string; data?: T }
  | {
      ok: false;
      message: string;
      code: SafeErrorCode;
      errorId?: string;
      /** Per field (zod path joined with "."), the rules the input broke; "_" for the form as a whole. */
      fieldErrors?: Record<string, string[]>;
      /** What was submitted, as typed, so the form shows it again beside the errors (text fields only). */
      values?: Record<string, string>;
    };

export interface ActionOutcome<T> {
  message?: string;
  data?: T;
  /** What the audit entry names as the object acted on. */
  target?: string;
  /** Non-secret facts for the audit log. */
  detail?: Record<string, unknown>;
}

interface Deps {
  getUser: () => Promise<SessionUser | null>;
  getDb: () => Db;
  getConfig: () => DeckhandConfig;
  getClients?: () => Clients;
  getCache?: () => TtlCache;
}

const defaultDeps: Deps = { getUser: getSessionUser, getDb, getConfig, getClients, getCache: appCache };

/** Never echoed back to the browser, even though the browser sent them. */
const NEVER_ECHOED = /secret|token|password/i;

/** The submitted text fields, to show again after a refusal. */
function submittedValues(args: unknown[]): Record<string, string> | undefined {
  const last = args[args.length - 1];
  if (!(last instanceof FormData)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of last.entries()) if (!k.startsWith("$ACTION") && typeof v === "string" && !NEVER_ECHOED.test(k)) out[k] = v;
  return out;
}

/** The `repo` field of a repository-scoped action's input: owner/name, absent or empty for the default repository. */
const repositoryField = z.string().trim().max(200, "A repository name is owner/name").optional();

/**
 * The configured repository a repository-scoped action acts on (`repo` in its input), or the refusal: a malformed
 * value is invalid input, a name Deckhand does not watch is `unknown-repository` naming it and the configured ones.
 */
function chosenRepository(
  raw: unknown,
  config: DeckhandConfig,
  db: Db,
): { ok: true; repository: ConfiguredRepository } | { ok: false; named: string; result: ActionResult<never> } {
  const value = raw && typeof raw === "object" ? (raw as Record<string, unknown>).repo : undefined;
  const parsed = repositoryField.safeParse(value);
  if (!parsed.success)
    return { ok: false, named: String(value).slice(0, 200), result: { ok: false, message: "Some fields need attention.", code: "invalid-input", fieldErrors: { repo: parsed.error.issues.map((i) => i.message) } } };
  const served = servedRepositories(config, db);
  const repository = selectRepository(served, parsed.data);
  if (repository) return { ok: true, repository };
  const named = parsed.data ?? "";
  const configured = served.map((r) => r.repository).join(", ");
  return {
    ok: false,
    named,
    result: { ok: false, code: "unknown-repository", message: `Deckhand does not watch the repository “${named}”: it acts only on the configured ones (${configured}).` },
  };
}

function inputFrom(args: unknown[]): unknown {
  // Works both as a form action under useActionState (prevState, formData) and as a direct call (input).
  const last = args[args.length - 1];
  if (last instanceof FormData) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of last.entries()) if (!k.startsWith("$ACTION")) out[k] = v;
    return out;
  }
  return args[0];
}

/**
 * The one way to define a server action: it checks the session and role itself (middleware alone is
 * not enough), validates input with zod, audits the outcome, and turns errors into whitelisted
 * messages. No action can skip these steps because there is no other constructor. The handler gets one
 * ready OperationContext (the signed-in user as the Actor) to hand to its verb.
 *
 * `repository: true`: the action acts on one GitHub repository, the one its input's `repo` field names (owner/name;
 * absent or empty: the default one). It must be a configured one (GITHUB_REPOSITORIES): any other is refused with
 * SafeError code `unknown-repository` naming it, before the handler runs (nothing is called). The handler's
 * `ctx.clients.repo` is that repository (the shared clients, `clientsForRepository`), `ctx.repository` the configured
 * entry (with its push user, which the per-user verbs act on), and every audit entry of the action names it
 * (`detail.repository`).
 */
export function defineAction<S extends z.ZodType, T = undefined>(
  opts: { name: string; role: Role; input: S; repository?: boolean },
  handler: (input: z.output<S>, ctx: OperationContext) => Promise<ActionOutcome<T>>,
  deps: Deps = defaultDeps,
): (...args: unknown[]) => Promise<ActionResult<T>> {
  return async (...args: unknown[]) => {
    const user = await deps.getUser();
    if (!user) {
      recordAudit(deps.getDb(), { actor: "(anonymous)", action: opts.name, outcome: "refused", detail: { reason: "not signed in" } });
      return { ok: false, message: "Sign in to continue.", code: "unauthenticated" };
    }
    if (!roleAllows(user.role, opts.role)) {
      recordAudit(deps.getDb(), {
        actor: user.login,
        role: user.role,
        action: opts.name,
        outcome: "refused",
        detail: { reason: `requires the ${opts.role} role` },
      });
      return { ok: false, message: `Only ${opts.role}s may do this.`, code: "forbidden" };
    }
    const config = deps.getConfig();
    let scope: ConfiguredRepository | undefined;
    if (opts.repository) {
      const chosen = chosenRepository(inputFrom(args), config, deps.getDb());
      if (!chosen.ok) {
        recordAudit(deps.getDb(), {
          actor: user.login,
          role: user.role,
          action: opts.name,
          outcome: "refused",
          detail: { reason: chosen.result.ok ? "" : chosen.result.message, repository: chosen.named },
        });
        return { ...chosen.result, values: submittedValues(args) };
      }
      scope = chosen.repository;
    }
    const named = scope ? { repository: scope.repository } : {};
    const parsed = opts.input.safeParse(inputFrom(args));
    if (!parsed.success) {
      const fieldErrors: Record<string, string[]> = {};
      for (const issue of parsed.error.issues) (fieldErrors[issue.path.join(".") || "_"] ??= []).push(issue.message);
      return {
        ok: false,
        message: "Some fields need attention.",
        code: "invalid-input",
        fieldErrors,
        values: submittedValues(args),
      };
    }
    const db = deps.getDb();
    try {
      // Clients are built lazily (first use) so an action that needs none works without AWS or GitHub settings.
      const ctx: OperationContext = {
        actor: { login: user.login, role: user.role },
        db,
        config,
        get clients() {
          const clients = (deps.getClients ?? getClients)();
          return scope ? clientsForRepository(clients, scope) : clients;
        },
        cache: (deps.getCache ?? appCache)(),
        ...(scope ? { repository: scope } : {}),
      };
      const out = await handler(parsed.data, ctx);
      recordAudit(db, { actor: user.login, role: user.role, action: opts.name, target: out.target, outcome: "success", detail: scope ? { ...named, ...out.detail } : out.detail });
      return { ok: true, message: out.message, data: out.data };
    } catch (err) {
      const safe = toUserFacing(err, opts.name);
      recordAudit(db, {
        actor: user.login,
        role: user.role,
        action: opts.name,
        outcome: "failure",
        detail: { ...named, message: safe.message },
        errorId: safe.errorId,
      });
      return { ok: false, message: safe.message, code: safe.code, errorId: safe.errorId };
    }
  };
}
