import { isAlias, isMap, isScalar, isSeq, LineCounter, parseAllDocuments, type Document, type Node as YamlNode } from "yaml";

/** Where a value was written: repository-relative file, 1-based line and column. */
export interface SourcePosition {
  file: string;
  line: number;
  column: number;
}

/**
 * A problem with a compose input, with where it was written when known. `key` is the dotted path of the key
 * (e.g. `services.api.build.ssh`), for messages and for tests.
 */
export interface ComposeProblem {
  file: string;
  line?: number;
  column?: number;
  key?: string;
  message: string;
}

interface NodeBase {
  at: SourcePosition;
  /** Compose's merge tags (Compose Specification, "Merge": `!reset` removes, `!override` replaces). */
  tag?: "!reset" | "!override";
}

export interface ComposeScalar extends NodeBase {
  kind: "scalar";
  value: string | number | boolean | null;
  /**
   * Set when the value could not be resolved (interpolation error, path leaving the repository...). The value is
   * then unusable; the problem fails whatever uses it (a service, or the whole file).
   */
  problem?: string;
}

export interface ComposeSeq extends NodeBase {
  kind: "seq";
  items: ComposeNode[];
}

export interface ComposeMap extends NodeBase {
  kind: "map";
  entries: Map<string, ComposeNode>;
  /** Position of each key, for messages about the key itself. */
  keyAt: Map<string, SourcePosition>;
}

/** The compose model as positioned nodes: every value keeps the file and line it came from through merges. */
export type ComposeNode = ComposeScalar | ComposeSeq | ComposeMap;

/**
 * An alias bomb (billion laughs) or a huge file must not take the worker down: the model as it would be with every
 * alias expanded may hold at most this many values (schema validation and merges walk the expanded model).
 */
const MAX_NODES = 200_000;

export function scalar(value: ComposeScalar["value"], at: SourcePosition, problem?: string): ComposeScalar {
  return problem === undefined ? { kind: "scalar", value, at } : { kind: "scalar", value, at, problem };
}

export function emptyMap(at: SourcePosition): ComposeMap {
  return { kind: "map", entries: new Map(), keyAt: new Map(), at };
}

export function isComposeMap(n: ComposeNode | undefined): n is ComposeMap {
  return n?.kind === "map";
}

/**
 * Parses one compose file's text into positioned nodes. Several YAML documents in one file are merged in order (as
 * compose-go does). Anchors, aliases and merge keys (`<<`) are resolved; duplicate keys, alias cycles and alias bombs
 * are errors. Returns the problem instead of throwing, positioned in `file`.
 */
export function parseComposeYaml(file: string, text: string): { root: ComposeMap } | { problem: ComposeProblem } {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, merge: true, uniqueKeys: true, prettyErrors: false });
  const list = Array.isArray(docs) ? docs : [docs];
  const at = (offset: number | undefined): SourcePosition => {
    const p = lineCounter.linePos(offset ?? 0);
    return { file, line: p.line, column: p.col };
  };
  for (const doc of list) {
    const e = doc.errors[0];
    if (e) {
      const pos = e.linePos?.[0] ?? lineCounter.linePos(e.pos[0]);
      return { problem: { file, line: pos.line, column: pos.col, message: e.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "") } };
    }
  }
  let root: ComposeMap | undefined;
  try {
    for (const doc of list) {
      if (doc.contents === null) continue;
      const node = new Converter(doc, at).convert(doc.contents as YamlNode, []);
      if (node.kind !== "map") return { problem: { file, line: node.at.line, column: node.at.column, message: "must be a mapping (with a services: key)" } };
      root = root ? mergeDocuments(root, node) : node;
    }
  } catch (err) {
    if (err instanceof ConvertError) return { problem: { file, line: err.at?.line, column: err.at?.column, message: err.message } };
    throw err;
  }
  return { root: root ?? emptyMap({ file, line: 1, column: 1 }) };
}

class ConvertError extends Error {
  constructor(
    message: string,
    readonly at?: SourcePosition,
  ) {
    super(message);
  }
}

class Converter {
  private count = 0;
  /** Size of each converted node with its aliases expanded. */
  private readonly expanded = new Map<ComposeNode, number>();
  /** Converted nodes by YAML node: an alias shares the node of its anchor (the tree stays a DAG, never copied). */
  private readonly done = new Map<YamlNode, ComposeNode>();

  constructor(
    private readonly doc: Document,
    private readonly at: (offset: number | undefined) => SourcePosition,
  ) {}

  convert(node: YamlNode, ancestors: YamlNode[]): ComposeNode {
    if (++this.count > MAX_NODES) throw new ConvertError(`more than ${MAX_NODES} values`);
    if (isAlias(node)) {
      const target = node.resolve(this.doc) as YamlNode | undefined;
      if (!target) throw new ConvertError(`unknown alias *${node.source}`, this.at(node.range?.[0]));
      if (ancestors.includes(target)) throw new ConvertError(`alias *${node.source} refers to a value that contains it`, this.at(node.range?.[0]));
      return this.convert(target, ancestors);
    }
    const cached = this.done.get(node);
    if (cached) return cached;
    const at = this.at(node.range?.[0]);
    const tag = node.tag === "!reset" || node.tag === "!override" ? node.tag : undefined;
    let out: ComposeNode;
    if (isMap(node)) {
      const map: ComposeMap = { kind: "map", entries: new Map(), keyAt: new Map(), at, ...(tag ? { tag } : {}) };
      const merged: ComposeMap[] = [];
      for (const pair of node.items) {
        const key = pair.key as YamlNode | null;
        if (isScalar(key) && typeof key.value === "symbol") {
          // YAML merge key: its mappings fill in keys the mapping does not set itself.
          const v = this.convert(pair.value as YamlNode, [...ancestors, node]);
          const sources = v.kind === "seq" ? v.items : [v];
          for (const s of sources) {
            if (s.kind !== "map") throw new ConvertError("a merge key (<<) takes a mapping or a list of mappings", s.at);
            merged.push(s);
          }
          continue;
        }
        if (key !== null && !isScalar(key)) throw new ConvertError("mapping keys must be plain values", this.at(key.range?.[0]));
        const name = key === null ? "" : String(key.value);
        map.keyAt.set(name, this.at(key?.range?.[0]));
        map.entries.set(name, pair.value === null ? scalar(null, this.at(key?.range?.[1])) : this.convert(pair.value as YamlNode, [...ancestors, node]));
      }
      for (const source of merged) {
        for (const [k, v] of source.entries) {
          if (map.entries.has(k)) continue;
          map.entries.set(k, v);
          map.keyAt.set(k, source.keyAt.get(k) ?? v.at);
        }
      }
      out = map;
    } else if (isSeq(node)) {
      out = { kind: "seq", items: node.items.map((i) => (i === null ? scalar(null, at) : this.convert(i as YamlNode, [...ancestors, node]))), at, ...(tag ? { tag } : {}) };
    } else if (isScalar(node)) {
      const v = node.value;
      // Unknown tags leave the source text; `!reset null` is a reset whatever its value.
      const value = typeof v === "string" || typeof v === "number" || typeof v === "boolean" || v === null ? v : String(v);
      out = { kind: "scalar", value, at, ...(tag ? { tag } : {}) };
    } else {
      throw new ConvertError("unsupported YAML value", at);
    }
    const size = out.kind === "scalar" ? 1 : 1 + (out.kind === "seq" ? out.items : [...out.entries.values()]).reduce((n, c) => n + (this.expanded.get(c) ?? 1), 0);
    if (size > MAX_NODES) throw new ConvertError(`more than ${MAX_NODES} values once aliases are expanded (an alias bomb?)`, at);
    this.expanded.set(out, size);
    this.done.set(node, out);
    return out;
  }
}

/** Later documents of one file override earlier ones key by key at the top level, then within each service. */
function mergeDocuments(a: ComposeMap, b: ComposeMap): ComposeMap {
  const out: ComposeMap = { ...a, entries: new Map(a.entries), keyAt: new Map(a.keyAt) };
  for (const [k, v] of b.entries) {
    const prev = out.entries.get(k);
    out.entries.set(k, prev?.kind === "map" && v.kind === "map" ? mergeDocuments(prev, v) : v);
    out.keyAt.set(k, b.keyAt.get(k) ?? v.at);
  }
  return out;
}

/** The node at `path` (mapping keys and sequence indexes), or undefined. */
export function getNode(node: ComposeNode | undefined, path: (string | number)[]): ComposeNode | undefined {
  let n = node;
  for (const k of path) {
    if (n?.kind === "map") n = n.entries.get(String(k));
    else if (n?.kind === "seq" && typeof k === "number") n = n.items[k];
    else return undefined;
  }
  return n;
}

/**
 * Position of the deepest node found along `path`: for a mapping entry the key's position (the line a reader looks
 * for), for a sequence item the item's.
 */
export function locate(node: ComposeNode, path: (string | number)[]): SourcePosition {
  let n: ComposeNode | undefined = node;
  let found = node.at;
  for (const k of path) {
    if (n?.kind === "map") {
      const key = String(k);
      const next = n.entries.get(key);
      if (!next) break;
      found = n.keyAt.get(key) ?? next.at;
      n = next;
    } else if (n?.kind === "seq" && typeof k === "number" && n.items[k]) {
      n = n.items[k];
      found = n.at;
    } else break;
  }
  return found;
}

/** Plain JSON-like value of a node (for schema validation and for reading settings); DAG-shared parts stay shared. */
export function toPlain(node: ComposeNode, memo = new Map<ComposeNode, unknown>()): unknown {
  const seen = memo.get(node);
  if (seen !== undefined) return seen;
  let out: unknown;
  if (node.kind === "scalar") out = node.value;
  else if (node.kind === "seq") out = node.items.map((i) => toPlain(i, memo));
  else {
    const o: Record<string, unknown> = {};
    for (const [k, v] of node.entries) o[k] = toPlain(v, memo);
    out = o;
  }
  memo.set(node, out);
  return out;
}

/**
 * Every scalar under `node` that carries a problem, with its dotted key path below `prefix`. A value in a mapping is
 * placed at its key (the line a reader looks for).
 */
export function collectProblems(node: ComposeNode, prefix: string, out: ComposeProblem[] = [], seen = new Set<ComposeNode>(), at: SourcePosition = node.at): ComposeProblem[] {
  if (seen.has(node)) return out;
  seen.add(node);
  if (node.kind === "scalar") {
    if (node.problem) out.push({ file: at.file, line: at.line, column: at.column, key: prefix, message: `${prefix}: ${node.problem}` });
  } else if (node.kind === "seq") node.items.forEach((i, n) => collectProblems(i, `${prefix}[${n}]`, out, seen));
  else for (const [k, v] of node.entries) collectProblems(v, prefix ? `${prefix}.${k}` : k, out, seen, node.keyAt.get(k) ?? v.at);
  return out;
}

/** A new node with `fn` applied to every scalar (structure shared where nothing changed is not attempted: small trees). */
export function mapScalars(node: ComposeNode, fn: (s: ComposeScalar, path: string[]) => ComposeScalar, path: string[] = [], memo = new Map<ComposeNode, ComposeNode>()): ComposeNode {
  const key = memo.get(node);
  // Shared (aliased) nodes are rewritten once; their path is the first one met, which only matters for messages.
  if (key) return key;
  let out: ComposeNode;
  if (node.kind === "scalar") out = fn(node, path);
  else if (node.kind === "seq") out = { ...node, items: node.items.map((i, n) => mapScalars(i, fn, [...path, String(n)], memo)) };
  else {
    const entries = new Map<string, ComposeNode>();
    for (const [k, v] of node.entries) entries.set(k, mapScalars(v, fn, [...path, k], memo));
    out = { ...node, entries };
  }
  memo.set(node, out);
  return out;
}
