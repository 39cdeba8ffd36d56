import fs from "node:fs";
import path from "node:path";
import Ajv, { type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import type { Octokit } from "@octokit/rest";

/**
 * Validates requests Octokit sends and responses the sandbox answers against GitHub's OpenAPI description
 * (@octokit/openapi, api.github.com.json). The 13 MB document is parsed once per test file (module cache)
 * and each operation's schemas are compiled the first time that operation is seen.
 */
type Json = Record<string, unknown>;
interface Operation {
  requestBody?: { $ref?: string; content?: Record<string, { schema?: Json }> };
  responses?: Record<string, { $ref?: string; content?: Record<string, { schema?: Json }> }>;
}

let spec: { paths: Record<string, Record<string, Operation>>; components: Json & { responses: Record<string, Json>; requestBodies?: Record<string, Json> } } | null = null;
let ajv: Ajv | null = null;
const compiled = new Map<string, ValidateFunction | null>();

function load() {
  if (!spec) {
    const file = path.join(process.cwd(), "node_modules", "@octokit", "openapi", "generated", "api.github.com.json");
    spec = JSON.parse(fs.readFileSync(file, "utf8"));
    ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    ajv.addSchema({ $id: "gh", components: { schemas: rebase((spec!.components as Json).schemas) } } as Json);
  }
  return { spec: spec!, ajv: ajv! };
}

/**
 * Parse the description up front: doing it inside the first request would block this process (which also
 * runs the sandbox) for seconds, long enough for keep-alive sockets to be reset under a loaded machine.
 */
export function preloadOpenApi(): void {
  load();
}

/**
 * Rewrite local refs (#/components/...) so a fragment compiles against the "gh" document, and OpenAPI 3.0's
 * `nullable` into JSON Schema (Ajv only accepts it beside `type`, and wants null listed in an `enum`).
 */
function rebase(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(rebase);
  if (schema && typeof schema === "object") {
    const out: Json = {};
    for (const [k, v] of Object.entries(schema)) out[k] = k === "$ref" && typeof v === "string" && v.startsWith("#/") ? `gh${v}` : rebase(v);
    // GitHub's 409 for file writes is oneOf basic-error / repository-rule-violation-error, two open schemas every
    // error body matches both of: read it as anyOf, or no real answer could pass.
    if (Array.isArray(out.oneOf) && (out.oneOf as Json[]).some((x) => x.$ref === "gh#/components/schemas/repository-rule-violation-error")) {
      out.anyOf = out.oneOf;
      delete out.oneOf;
    }
    if (out.nullable === true) {
      if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
      if (out.type === undefined) {
        const { nullable: _n, ...rest } = out;
        return { anyOf: [rest, { type: "null" }] };
      }
    }
    return out;
  }
  return schema;
}

function deref<T>(obj: (T & { $ref?: string }) | undefined): T | undefined {
  if (!obj?.$ref) return obj;
  const parts = obj.$ref.replace(/^#\//, "").split("/");
  let cur: unknown = load().spec;
  for (const p of parts) cur = (cur as Json)[p];
  return cur as T;
}

let pathPatterns: Array<{ template: string; re: RegExp; params: number }> | null = null;

/** Octokit passes a route template, except when paginating: then it is the full URL of a Link header. */
export function templateOf(method: string, urlOrTemplate: string): string {
  const paths = load().spec.paths;
  if (paths[urlOrTemplate]) return urlOrTemplate;
  const p = urlOrTemplate.replace(/^https?:\/\/[^/]+/, "").replace(/^\/api\/v3/, "").replace(/\?.*$/, "");
  if (paths[p]) return p;
  pathPatterns ??= Object.keys(paths)
    .map((template) => ({
      template,
      re: new RegExp(`^${template.replace(/\{[^}]+\}/g, "[^/]+")}$`),
      params: (template.match(/\{/g) ?? []).length,
    }))
    .sort((a, b) => a.params - b.params);
  return pathPatterns.find((x) => x.re.test(p) && paths[x.template][method.toLowerCase()])?.template ?? urlOrTemplate;
}

export function findOperation(method: string, template: string): Operation | undefined {
  return load().spec.paths[template]?.[method.toLowerCase()];
}

function compile(key: string, schema: Json | undefined): ValidateFunction | null {
  if (!compiled.has(key)) compiled.set(key, schema ? load().ajv.compile(rebase(schema) as Json) : null);
  return compiled.get(key)!;
}

function describe(v: ValidateFunction): string {
  return (v.errors ?? [])
    .slice(0, 5)
    .map((e) => `${e.instancePath || "/"} ${e.message}${e.params && "additionalProperty" in e.params ? ` (${String(e.params.additionalProperty)})` : ""}`)
    .join("; ");
}

export class OpenApiViolation extends Error {}

/** Throws OpenApiViolation when the body does not fit the operation's request schema. */
export function checkRequest(method: string, template: string, body: unknown): void {
  const op = findOperation(method, template);
  if (!op) throw new OpenApiViolation(`${method} ${template}: not an operation of GitHub's REST API`);
  const rb = deref(op.requestBody);
  const schema = rb?.content?.["application/json"]?.schema;
  if (!schema || body === undefined) return;
  const v = compile(`req ${method} ${template}`, schema);
  if (v && !v(body)) throw new OpenApiViolation(`${method} ${template} request body: ${describe(v)}`);
}

/** Throws OpenApiViolation when the status is not one the operation declares or the body does not fit its schema. */
export function checkResponse(method: string, template: string, status: number, body: unknown): void {
  const op = findOperation(method, template);
  if (!op) throw new OpenApiViolation(`${method} ${template}: not an operation of GitHub's REST API`);
  const declared = op.responses ?? {};
  const resp = deref(declared[String(status)]);
  if (!resp) {
    // Octokit follows the 302 of log downloads; the body is then the log itself.
    if (status === 200 && declared["302"]) return;
    if (status >= 400) {
      // Undeclared error statuses must still carry GitHub's basic-error body.
      const v = compile("basic-error", { $ref: "#/components/schemas/basic-error", required: ["message"] } as Json);
      if (v && !v(body)) throw new OpenApiViolation(`${method} ${template} ${status}: ${describe(v)}`);
      return;
    }
    throw new OpenApiViolation(`${method} ${template}: status ${status} is not a declared response (${Object.keys(declared).join(", ")})`);
  }
  const schema = resp.content?.["application/json"]?.schema;
  if (!schema) {
    if (status === 204 && body !== undefined && body !== "" && body !== null) throw new OpenApiViolation(`${method} ${template} 204 with a body`);
    return;
  }
  const v = compile(`res ${method} ${template} ${status}`, schema);
  if (v && !v(body)) throw new OpenApiViolation(`${method} ${template} ${status} response: ${describe(v)}`);
}

/** Validate data against a named component schema (e.g. "webhook-push"); returns the errors, empty when valid. */
export function schemaErrors(name: string, data: unknown): string {
  const v = compile(`schema ${name}`, { $ref: `#/components/schemas/${name}` } as Json);
  return v && !v(data) ? describe(v) : "";
}

/** Count of validated exchanges (so tests can assert the validator actually ran). */
export const validated = { requests: 0, responses: 0 };

/** Validate every request and response of this Octokit instance. */
export function validateOctokit(octokit: Octokit): Octokit {
  octokit.hook.wrap("request", async (request, options) => {
    const method = String(options.method);
    const template = templateOf(method, String(options.url));
    const parsed = octokit.request.endpoint.parse(options as Parameters<typeof octokit.request.endpoint.parse>[0]);
    // Octokit sends an empty string for a PUT without parameters (e.g. "Add selected repository to an organization secret").
    if (parsed.body !== undefined && parsed.body !== "") {
      checkRequest(method, template, typeof parsed.body === "string" ? JSON.parse(parsed.body) : parsed.body);
      validated.requests++;
    }
    try {
      const res = await request(options);
      checkResponse(method, template, res.status, res.data);
      validated.responses++;
      return res;
    } catch (err) {
      const e = err as { status?: number; response?: { data?: unknown } };
      if (err instanceof OpenApiViolation || typeof e.status !== "number" || !e.response) throw err;
      checkResponse(method, template, e.status, e.response.data);
      validated.responses++;
      throw err;
    }
  });
  return octokit;
}
