import type { IncomingMessage, ServerResponse } from "node:http";
import type { SandboxContext } from "../context";

export interface ApiRequest {
  req: IncomingMessage;
  res: ServerResponse;
  ctx: SandboxContext;
  url: URL;
  params: Record<string, string>;
  /** Login of the authenticated caller ("ghp_sandboxadmintoken" acts as the repository owner's admin). */
  login: string;
  isAdminToken: boolean;
  scopes: string[];
  /** A fine-grained personal access token (its grant was checked before the handler ran). */
  fineGrained?: boolean;
  /** That token's repositories and permissions, for handlers whose need depends on the request (workflow files). */
  grant?: import("./fine-grained-tokens").TokenGrant;
  /** The route template that matched, e.g. "GET /repos/{owner}/{repo}". Faults are keyed by it. */
  route: string;
}

export type ApiHandler = (r: ApiRequest) => Promise<void> | void;

interface Route {
  method: string;
  template: string;
  regex: RegExp;
  keys: string[];
  handler: ApiHandler;
}

/** A tiny router over GitHub's path templates ("/repos/{owner}/{repo}/actions/secrets/{secret_name}"). */
export class Router {
  private routes: Route[] = [];

  add(method: string, template: string, handler: ApiHandler): void {
    const keys: string[] = [];
    const pattern = template.replace(/[.]/g, "\\.").replace(/\{([a-z_]+)\}/g, (_, k: string) => {
      keys.push(k);
      return k === "ref" || k === "path" || k === "basehead" || k === "branch" ? "(.+)" : "([^/]+)";
    });
    this.routes.push({ method: method.toUpperCase(), template, regex: new RegExp(`^${pattern}/?$`), keys, handler });
  }

  match(method: string, path: string): { route: Route; params: Record<string, string> } | { allowed: string[] } | null {
    const allowed: string[] = [];
    for (const route of this.routes) {
      const m = route.regex.exec(path);
      if (!m) continue;
      if (route.method !== method.toUpperCase()) {
        allowed.push(route.method);
        continue;
      }
      const params: Record<string, string> = {};
      route.keys.forEach((k, i) => (params[k] = decodeURIComponent(m[i + 1])));
      return { route, params };
    }
    return allowed.length ? { allowed } : null;
  }
}
