import { scalar, type ComposeMap, type ComposeNode, type ComposeScalar, type ComposeSeq } from "./compose-node";

/**
 * Compose's merge rules (Compose Specification, "Merge and override"; compose-go `override.Merge` and
 * `EnforceUnicity`), used for `-f` / override files, `extends` and multi-document files:
 * - mappings merge key by key, sequences append, scalars are replaced by the later value (a null leaves the base);
 * - `command`, `entrypoint`, `healthcheck.test` are replaced, not appended;
 * - `build` in its short form (a path) is the mapping `{ context: path }` before merging;
 * - `build.args`, `build.labels`, `build.additional_contexts`, `labels`, `environment`, ... merge as `KEY=VALUE`
 *   lists where a later key replaces an earlier one in place; `secrets` / `configs` / `volumes` are unique by target;
 * - `depends_on` and `networks` merge as mappings whatever form each side uses;
 * - `!reset` on a value removes it, `!override` replaces it whole.
 * `path` is the key path of `base` / `over` in the model (e.g. ["services", "api", "build"]).
 * @returns the merged node, or undefined when the key is reset. Inputs are not modified.
 */
export function mergeComposeNodes(base: ComposeNode | undefined, over: ComposeNode, path: string[]): ComposeNode | undefined {
  if (over.tag === "!reset") return undefined;
  if (over.tag === "!override" || base === undefined) return settle(over, path);
  const rule = ruleFor(path);
  if (rule === "override") return settle(over, path);
  if (rule === "build") return mergeMaps(buildAsMap(base), buildAsMap(over), path);
  if (rule === "key-value") {
    // `KEY: !reset null` inside a mapping removes that key from the base (compose-go's reset pass runs before merging).
    const reset = new Set(over.kind === "map" ? [...over.entries].filter(([, v]) => v.tag === "!reset").map(([k]) => k) : []);
    const items = [...asKeyValueList(base).filter((n) => !reset.has(keyValueKey(n))), ...asKeyValueList(settle(over, path) ?? over)];
    // An empty list-or-dict is the same model as none (docker compose config leaves it out).
    return items.length ? uniqueBy(keyValueKey, items, over) : undefined;
  }
  if (rule === "mount") return uniqueBy(mountKey(path), [...asList(base), ...asList(settle(over, path) ?? over)], over);
  if (rule === "mapping") return mergeMaps(asMapping(base, path), asMapping(over, path), path);
  if (over.kind === "scalar" && over.value === null) return base;
  if (base.kind === "map" && over.kind === "map") return mergeMaps(base, over, path);
  if (base.kind === "seq" && over.kind === "seq") return { ...over, items: [...base.items, ...(settle(over, path) as ComposeSeq).items] };
  return settle(over, path);
}

type Rule = "override" | "build" | "key-value" | "mount" | "mapping" | undefined;

const RULES: [string, Rule][] = [
  ["services.*.command", "override"],
  ["services.*.entrypoint", "override"],
  ["services.*.healthcheck.test", "override"],
  ["services.*.build", "build"],
  ["services.*.build.args", "key-value"],
  ["services.*.build.labels", "key-value"],
  ["services.*.build.additional_contexts", "key-value"],
  ["services.*.build.extra_hosts", "key-value"],
  ["services.*.build.tags", "key-value"],
  ["services.*.build.platforms", "key-value"],
  ["services.*.labels", "key-value"],
  ["services.*.annotations", "key-value"],
  ["services.*.environment", "key-value"],
  ["services.*.extra_hosts", "key-value"],
  ["services.*.profiles", "key-value"],
  ["services.*.cap_add", "key-value"],
  ["services.*.cap_drop", "key-value"],
  ["services.*.dns", "key-value"],
  ["services.*.dns_opt", "key-value"],
  ["services.*.dns_search", "key-value"],
  ["services.*.sysctls", "key-value"],
  ["services.*.tmpfs", "key-value"],
  ["services.*.deploy.labels", "key-value"],
  ["services.*.secrets", "mount"],
  ["services.*.configs", "mount"],
  ["services.*.volumes", "mount"],
  ["services.*.depends_on", "mapping"],
  ["services.*.networks", "mapping"],
  ["networks.*.labels", "key-value"],
  ["volumes.*.labels", "key-value"],
];

function ruleFor(path: string[]): Rule {
  for (const [pattern, rule] of RULES) {
    const parts = pattern.split(".");
    if (parts.length === path.length && parts.every((p, i) => p === "*" || p === path[i])) return rule;
  }
  return undefined;
}

function mergeMaps(base: ComposeMap, over: ComposeMap, path: string[]): ComposeMap {
  const out: ComposeMap = { kind: "map", entries: new Map(base.entries), keyAt: new Map(base.keyAt), at: base.at };
  for (const [k, v] of over.entries) {
    const merged = mergeComposeNodes(out.entries.get(k), v, [...path, k]);
    if (merged === undefined) {
      out.entries.delete(k);
      out.keyAt.delete(k);
      continue;
    }
    out.entries.set(k, merged);
    out.keyAt.set(k, over.keyAt.get(k) ?? v.at);
  }
  return out;
}

/**
 * A node placed without a base: `!reset` entries inside it disappear and `!override` tags are dropped, so the model
 * never carries merge tags.
 */
function settle(node: ComposeNode, path: string[]): ComposeNode | undefined {
  if (node.tag === "!reset") return undefined;
  if (node.kind === "scalar") return node.tag ? { ...node, tag: undefined } : node;
  if (node.kind === "seq") {
    const items = node.items.map((i, n) => settle(i, [...path, String(n)])).filter((i): i is ComposeNode => i !== undefined);
    return { kind: "seq", items, at: node.at };
  }
  const out: ComposeMap = { kind: "map", entries: new Map(), keyAt: new Map(), at: node.at };
  for (const [k, v] of node.entries) {
    const s = settle(v, [...path, k]);
    if (s === undefined) continue;
    out.entries.set(k, s);
    out.keyAt.set(k, node.keyAt.get(k) ?? v.at);
  }
  return out;
}

function buildAsMap(n: ComposeNode): ComposeMap {
  if (n.kind === "map") return n;
  const m: ComposeMap = { kind: "map", entries: new Map([["context", n]]), keyAt: new Map([["context", n.at]]), at: n.at };
  return m;
}

function asList(n: ComposeNode): ComposeNode[] {
  if (n.kind === "seq") return n.items;
  if (n.kind === "scalar") return n.value === null ? [] : [n];
  return [...n.entries.values()];
}

/** A mapping `{ K: V }` as `["K=V"]` (`K` alone for a null value), sorted by key as compose-go does. */
function asKeyValueList(n: ComposeNode): ComposeNode[] {
  if (n.kind !== "map") return asList(n);
  return [...n.entries.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .flatMap(([k, v]) => {
      if (v.kind === "scalar") return [keyValueScalar(k, v, n.keyAt.get(k) ?? v.at)];
      if (v.kind === "seq") return v.items.map((i) => keyValueScalar(k, i as ComposeScalar, i.at));
      return [scalar(k, v.at, `${k} must be a string, number or boolean`)];
    });
}

function keyValueScalar(key: string, v: ComposeScalar, at: ComposeScalar["at"]): ComposeScalar {
  if (v.kind !== "scalar") return scalar(key, at, `${key} must be a string, number or boolean`);
  return scalar(v.value === null ? key : `${key}=${String(v.value)}`, v.value === null ? at : v.at, v.problem);
}

/** `depends_on` / `networks` as a mapping: a list `[a, b]` becomes `{ a: {...default}, b: {...default} }`. */
function asMapping(n: ComposeNode, path: string[]): ComposeMap {
  if (n.kind === "map") return n;
  const out: ComposeMap = { kind: "map", entries: new Map(), keyAt: new Map(), at: n.at };
  for (const item of asList(n)) {
    if (item.kind !== "scalar" || item.value === null) continue;
    const name = String(item.value);
    const value: ComposeNode =
      path[path.length - 1] === "depends_on"
        ? {
            kind: "map",
            entries: new Map<string, ComposeNode>([
              ["condition", scalar("service_started", item.at)],
              ["required", scalar(true, item.at)],
            ]),
            keyAt: new Map([
              ["condition", item.at],
              ["required", item.at],
            ]),
            at: item.at,
          }
        : scalar(null, item.at);
    out.entries.set(name, value);
    out.keyAt.set(name, item.at);
  }
  return out;
}

function keyValueKey(n: ComposeNode): string {
  if (n.kind !== "scalar") return JSON.stringify(n.at);
  const s = String(n.value);
  const eq = s.indexOf("=");
  return eq < 0 ? s : s.slice(0, eq);
}

function mountKey(path: string[]): (n: ComposeNode) => string {
  const kind = path[path.length - 1];
  return (n) => {
    if (n.kind === "map") {
      const target = n.entries.get("target");
      if (target?.kind === "scalar" && target.value !== null) return String(target.value);
      const source = n.entries.get("source");
      return kind === "secrets" ? `/run/secrets/${source?.kind === "scalar" ? String(source.value) : ""}` : JSON.stringify(n.at);
    }
    if (n.kind !== "scalar") return JSON.stringify(n.at);
    const s = String(n.value);
    if (kind === "secrets") return `/run/secrets/${s}`;
    if (kind === "volumes") {
      const parts = s.split(":");
      return parts.length >= 2 ? parts[1] : parts[0];
    }
    return s;
  };
}

/** Later entries with the same key replace earlier ones where the earlier ones stood (compose-go EnforceUnicity). */
function uniqueBy(key: (n: ComposeNode) => string, items: ComposeNode[], like: ComposeNode): ComposeSeq {
  const out: ComposeNode[] = [];
  const index = new Map<string, number>();
  for (const item of items) {
    const k = key(item);
    const at = index.get(k);
    if (at === undefined) {
      index.set(k, out.length);
      out.push(item);
    } else out[at] = item;
  }
  return { kind: "seq", items: out, at: like.at };
}
