// "Deckhand pushes": the repository's workflow stops pushing to ECR, because Deckhand's worker already builds and
// pushes every commit (two pushers flip `latest` between two builds). From the workflow's text this works out which
// steps do the ECR login, build, tag and push, and the text without them: other steps (tests, checkout, anything
// not recognised), comments and formatting stay byte for byte, because the edit cuts the removed steps' lines out
// of the original text at the positions the `yaml` Document API reports, instead of re-printing the document.
// A job left with nothing useful goes; a workflow left without jobs is deleted. When the push cannot be found or
// cut out safely (a script file, a reusable workflow, a step that also does other work, a kept step reading a
// removed step's outputs) it refuses, saying what to do by hand. Pure.

import YAML, { isAlias, isMap, isPair, isScalar, isSeq, type Document, type Node, type Pair, type YAMLMap, type YAMLSeq } from "yaml";
import { judgeScript, otherRegistryIn } from "./push-commands";

/** One removed step or job and why. `step` is the step's name (or its `uses`/first command); null for a whole job. */
export interface RemovedPart {
  job: string;
  step: string | null;
  why: string;
}

export type DeckhandPushesPlan =
  | { ok: true; change: "edit"; after: string; removed: RemovedPart[] }
  | { ok: true; change: "delete"; after: null; removed: RemovedPart[] }
  | { ok: false; reason: string };

type Kind = "push" | "login" | "build" | "credentials" | "setup" | "helper" | "checkout" | "other";

interface StepInfo {
  index: number;
  node: Node;
  label: string;
  id: string | null;
  kind: Kind;
  why: string;
  /** The step's own text (for output references). */
  text: string;
  usesAws: boolean;
  buildsWithDocker: boolean;
}

const USES = (s: Record<string, unknown>) => (typeof s.uses === "string" ? s.uses.trim() : "");
const action = (uses: string) => uses.replace(/@.*$/, "").toLowerCase();

function labelOf(s: Record<string, unknown>, index: number): string {
  if (typeof s.name === "string" && s.name.trim()) return s.name.trim();
  if (USES(s)) return USES(s);
  if (typeof s.run === "string") return s.run.trim().split(/\r?\n/)[0].slice(0, 60);
  return `step ${index + 1}`;
}

const refusal = (reason: string): DeckhandPushesPlan => ({ ok: false, reason });

/** Classify one step; a string is a refusal reason. */
function classify(s: Record<string, unknown>, job: string, label: string): { kind: Kind; why: string; usesAws: boolean; buildsWithDocker: boolean } | string {
  const uses = action(USES(s));
  const withText = JSON.stringify(s.with ?? {});
  if (uses === "aws-actions/amazon-ecr-login") return { kind: "login", why: "logs Docker in to ECR, only to push", usesAws: true, buildsWithDocker: false };
  if (uses === "docker/login-action") {
    const other = otherRegistryIn(withText);
    if (other || !/amazonaws\.com|ecr|steps\.[\w-]+\.outputs\.registry/i.test(withText)) return { kind: "other", why: "", usesAws: false, buildsWithDocker: false };
    return { kind: "login", why: "logs Docker in to ECR, only to push", usesAws: false, buildsWithDocker: false };
  }
  if (uses === "docker/build-push-action") {
    const w = (s.with ?? {}) as Record<string, unknown>;
    const push = w.push;
    if (push === undefined || push === false || push === "false") return { kind: "other", why: "", usesAws: false, buildsWithDocker: true };
    if (push !== true && push !== "true") return `Step "${label}" in job "${job}" pushes only when \`${String(push)}\` is true; Deckhand cannot tell when that is. Remove its push by hand.`;
    const other = otherRegistryIn(withText);
    if (other) return `Step "${label}" in job "${job}" also pushes to ${other}; Deckhand only takes over ECR pushes. Remove the ECR tags from it by hand.`;
    return { kind: "push", why: "builds and pushes the images Deckhand's worker already pushes", usesAws: false, buildsWithDocker: true };
  }
  if (uses === "aws-actions/configure-aws-credentials") return { kind: "credentials", why: "", usesAws: true, buildsWithDocker: false };
  if (uses === "docker/setup-buildx-action" || uses === "docker/setup-qemu-action") return { kind: "setup", why: "", usesAws: false, buildsWithDocker: false };
  if (uses === "docker/metadata-action") return { kind: "helper", why: "", usesAws: false, buildsWithDocker: false };
  if (uses === "actions/checkout") return { kind: "checkout", why: "", usesAws: false, buildsWithDocker: false };
  if (uses.startsWith("./")) return { kind: "other", why: "", usesAws: false, buildsWithDocker: false };
  if (typeof s.run === "string") {
    const v = judgeScript(s.run);
    if (v.pushes && v.otherRegistry) return `Step "${label}" in job "${job}" also pushes to ${v.otherRegistry}; Deckhand only takes over ECR pushes. Remove its ECR push by hand.`;
    if (v.pushes && !v.onlyPushWork) {
      return `Step "${label}" in job "${job}" pushes images but also runs other commands; Deckhand will not cut a script in half. Move the push into a step of its own, or remove it by hand.`;
    }
    if (v.pushes) return { kind: "push", why: "builds, tags and pushes the images Deckhand's worker already pushes", usesAws: v.usesAws, buildsWithDocker: true };
    if (v.onlyPushWork && v.builds) return { kind: "build", why: "builds and tags images only for the removed push", usesAws: v.usesAws, buildsWithDocker: true };
    return { kind: "other", why: "", usesAws: v.usesAws || /\baws\s/.test(s.run), buildsWithDocker: /\bdocker\b/.test(s.run) };
  }
  return { kind: "other", why: "", usesAws: /^aws-actions\//.test(uses), buildsWithDocker: uses.startsWith("docker/") };
}

/** Script calls and local actions of a job, to explain a refusal when no push is in sight. */
function hiddenWork(steps: Record<string, unknown>[]): string[] {
  const out: string[] = [];
  for (const s of steps) {
    const uses = USES(s);
    if (uses.startsWith("./")) out.push(`the local action ${uses}`);
    if (typeof s.run === "string") for (const c of judgeScript(s.run).scriptCalls) out.push(`\`${c}\``);
  }
  return out;
}

interface Cut {
  start: number;
  end: number;
}

const lineStart = (text: string, pos: number) => text.lastIndexOf("\n", pos - 1) + 1;
const isBlankOrComment = (line: string) => /^\s*(#.*)?$/.test(line);

/**
 * The text span of a block sequence item or map pair starting at `from` (the node's first character) and ending at
 * `to` (its range end): from the start of its line (and the comment lines right above it, at its indentation) to
 * the end of its last line with content. Trailing blank/comment lines stay (they introduce what follows).
 */
function blockSpan(text: string, from: number, to: number): Cut {
  let start = lineStart(text, from);
  const indent = /^\s*/.exec(text.slice(start))![0].length;
  for (;;) {
    if (start === 0) break;
    const prevStart = lineStart(text, start - 1);
    const prev = text.slice(prevStart, start - 1);
    if (/^\s*#/.test(prev) && /^\s*/.exec(prev)![0].length === indent) start = prevStart;
    else break;
  }
  const body = text.slice(start, to);
  const lines = body.split("\n");
  let keep = lines.length;
  while (keep > 1 && isBlankOrComment(lines[keep - 1])) keep--;
  let end = start + lines.slice(0, keep).join("\n").length;
  if (text[end] === "\n") end++;
  return { start, end };
}

/** Where a sequence item begins: back from its node over an anchor or tag (`- &login` on its own line) to the `-`. */
function itemStart(text: string, from: number): number {
  let p = from;
  for (;;) {
    const before = text.slice(0, p);
    const m = /(?:^|\s)([&!][^\s]*)\s*$/.exec(before);
    if (m && !/-\s*$/.test(before)) {
      p = before.length - m[0].length + (m[0].length - m[0].trimStart().length);
      continue;
    }
    const dash = /-\s*$/.exec(before);
    return dash ? dash.index : from;
  }
}

/** Apply cuts (non-overlapping) and tidy the blank lines a cut leaves doubled. */
function applyCuts(text: string, cuts: Cut[]): string {
  let out = text;
  for (const c of [...cuts].sort((a, b) => b.start - a.start)) {
    let { end } = c;
    const before = out.slice(0, c.start);
    const prevLine = before.endsWith("\n") ? before.slice(lineStart(before, before.length - 1), -1) : "";
    const headerAbove = prevLine !== "" && /:\s*(#.*)?$/.test(prevLine);
    // Blank lines after the cut go too when one is already above it, or when it sat right under its header.
    if (c.start === 0 || /^\s*$/.test(prevLine) || headerAbove) {
      while (end < out.length) {
        const nl = out.indexOf("\n", end);
        const line = out.slice(end, nl < 0 ? out.length : nl);
        if (!/^\s*$/.test(line) || nl < 0) break;
        end = nl + 1;
      }
    }
    let start = c.start;
    // A cut that ends the file takes the blank lines above it along (no trailing blank lines).
    if (end >= out.length) while (start > 0 && /\n\s*\n$/.test(out.slice(0, start))) start = lineStart(out, start - 1);
    out = out.slice(0, start) + out.slice(end);
  }
  return out;
}

function nodeRange(n: Node | Pair): [number, number] | null {
  if (isPair(n)) {
    const k = n.key as Node | null;
    const v = n.value as Node | null;
    const from = k?.range?.[0];
    const to = v?.range?.[2] ?? k?.range?.[2];
    return from !== undefined && to !== undefined ? [from, to] : null;
  }
  return n.range ? [n.range[0], n.range[2]] : null;
}

/** Anchors defined inside `ranges` that an alias outside them refers to. */
function anchorsUsedOutside(doc: Document, cuts: Cut[]): string[] {
  const inside = (pos: number) => cuts.some((c) => pos >= c.start && pos < c.end);
  const defined = new Set<string>();
  const used: Array<{ name: string; at: number }> = [];
  YAML.visit(doc, {
    Node(_k, n) {
      if (isAlias(n)) used.push({ name: n.source, at: n.range?.[0] ?? -1 });
      else if ((n as { anchor?: string }).anchor && n.range && inside(n.range[0])) defined.add((n as { anchor: string }).anchor);
    },
  });
  return [...new Set(used.filter((u) => defined.has(u.name) && !inside(u.at)).map((u) => u.name))];
}

/**
 * The workflow without its ECR push. `text` is the workflow file as in the repository. Returns the new text (or
 * `change: "delete"` when no job is left) with what was removed and why, or a refusal with what to do by hand.
 */
export function planDeckhandPushes(text: string): DeckhandPushesPlan {
  const doc = YAML.parseDocument(text, { uniqueKeys: false });
  if (doc.errors.length > 0) return refusal(`The workflow is not valid YAML (${doc.errors[0].message.split("\n")[0]}); fix it first.`);
  let js: Record<string, unknown>;
  try {
    js = (doc.toJS({ maxAliasCount: 1000 }) ?? {}) as Record<string, unknown>;
  } catch {
    return refusal("The workflow's YAML aliases could not be resolved; remove the push steps by hand.");
  }
  const jobsNode = doc.get("jobs", true);
  if (!isMap(jobsNode) || typeof js.jobs !== "object" || js.jobs === null) return refusal("The workflow has no jobs map; there is nothing Deckhand can change.");
  if ((jobsNode as YAMLMap).flow) return refusal("The workflow's jobs are written in flow style ({ … }); remove the push steps by hand.");
  const jobs = js.jobs as Record<string, Record<string, unknown>>;
  const cuts: Cut[] = [];
  const removed: RemovedPart[] = [];
  const removedJobs = new Set<string>();
  const keptStepsText: Array<{ job: string; label: string; text: string }> = [];
  const removedIds = new Map<string, { job: string; label: string }>();
  const hidden: string[] = [];
  const reusable: string[] = [];
  let anyPush = false;
  /** Flow sequences (`needs: [a, b]`) rewritten in place: the cut at `at` is replaced by `text`. */
  const flowReplacements: Array<{ at: number; text: string }> = [];

  for (const pair of (jobsNode as YAMLMap).items) {
    const jobName = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
    const job = jobs[jobName];
    if (!job || typeof job !== "object") continue;
    if (typeof job.uses === "string") {
      reusable.push(`${jobName} (${job.uses})`);
      continue;
    }
    const stepsNode = isMap(pair.value) ? (pair.value as YAMLMap).get("steps", true) : null;
    const stepsJs = Array.isArray(job.steps) ? (job.steps as Record<string, unknown>[]) : [];
    if (!isSeq(stepsNode) || stepsJs.length === 0) continue;
    if ((stepsNode as YAMLSeq).flow) return refusal(`The steps of job "${jobName}" are written in flow style ([ … ]); remove the push steps by hand.`);
    const infos: StepInfo[] = [];
    for (let i = 0; i < stepsJs.length; i++) {
      const s = stepsJs[i] ?? {};
      const node = (stepsNode as YAMLSeq).items[i] as Node;
      const label = labelOf(s, i);
      const c = classify(s, jobName, label);
      if (typeof c === "string") return refusal(c);
      const r = node.range;
      infos.push({ index: i, node, label, id: typeof s.id === "string" ? s.id : null, ...c, text: r ? text.slice(r[0], r[2]) : JSON.stringify(s) });
    }
    hidden.push(...hiddenWork(stepsJs).map((h) => `${h} in job "${jobName}"`));
    const pushes = infos.filter((s) => s.kind === "push");
    if (pushes.length === 0) {
      for (const s of infos) keptStepsText.push({ job: jobName, label: s.label, text: s.text });
      continue;
    }
    anyPush = true;
    const hiddenHere = hiddenWork(stepsJs);
    const suspicious = hiddenHere.filter((h) => /push|ecr|docker|publish|deploy|release|image/i.test(h));
    if (suspicious.length) return refusal(`Job "${jobName}" also runs ${suspicious.join(", ")}, which may push as well; Deckhand cannot see inside it. Remove the pushes by hand.`);
    // First the push, login and build steps; then what only served them, if nothing kept still needs it.
    const gone = new Set<StepInfo>(infos.filter((s) => s.kind === "push" || s.kind === "login" || s.kind === "build"));
    const kept = () => infos.filter((s) => !gone.has(s));
    for (const s of infos) {
      if (s.kind === "helper" && !kept().some((k) => k !== s && s.id && k.text.includes(`steps.${s.id}.`))) gone.add(s);
    }
    for (const s of infos) {
      if (s.kind === "credentials" && !kept().some((k) => k.kind !== "credentials" && k.usesAws)) {
        gone.add(s);
        s.why = "gave the removed steps AWS credentials; nothing left in the job uses them";
      }
      if (s.kind === "setup" && !kept().some((k) => k.kind !== "setup" && k.buildsWithDocker)) {
        gone.add(s);
        s.why = "set up image builds only the removed steps made";
      }
      if (s.kind === "helper" && gone.has(s)) s.why = "computed image tags only for the removed push";
    }
    const useful = kept().filter((s) => s.kind !== "checkout" && s.kind !== "setup" && s.kind !== "credentials" && s.kind !== "helper");
    for (const s of gone) if (s.id) removedIds.set(s.id, { job: jobName, label: s.label });
    if (useful.length === 0) {
      removedJobs.add(jobName);
      const r = nodeRange(pair);
      if (!r) return refusal(`Deckhand could not locate job "${jobName}" in the file; remove it by hand.`);
      cuts.push(blockSpan(text, r[0], r[1]));
      for (const s of infos.filter((x) => gone.has(x))) removed.push({ job: jobName, step: s.label, why: s.why });
      removed.push({ job: jobName, step: null, why: "nothing useful is left in the job without its push (only checkout or setup steps)" });
      continue;
    }
    for (const s of infos) {
      if (!gone.has(s)) {
        keptStepsText.push({ job: jobName, label: s.label, text: s.text });
        continue;
      }
      const r = nodeRange(s.node);
      if (!r) return refusal(`Deckhand could not locate step "${s.label}" in the file; remove it by hand.`);
      cuts.push(blockSpan(text, itemStart(text, r[0]), r[1]));
      removed.push({ job: jobName, step: s.label, why: s.why });
    }
  }

  if (!anyPush) {
    if (reusable.length) return refusal(`No ECR push is written in this workflow itself: job ${reusable.join(", ")} calls a reusable workflow, which is where the push happens. Remove the push there by hand.`);
    if (hidden.length) return refusal(`No ECR push is written in this workflow itself; it runs ${hidden.join(", ")}, which is where the push happens. Remove the push there by hand.`);
    return refusal("Deckhand found no step that pushes to ECR in this workflow (no amazon-ecr-login, docker push, docker compose push or build-push-action with push: true). Look for the push by hand.");
  }

  // Kept steps must not read what a removed step produced.
  for (const k of keptStepsText) {
    for (const [id, from] of removedIds) {
      if (from.job === k.job && new RegExp(`steps\\.${id.replace(/[-.]/g, "\\$&")}\\.`).test(k.text)) {
        return refusal(`Step "${k.label}" in job "${k.job}" uses the outputs of "${from.label}", which pushes; Deckhand cannot remove one without the other. Change them by hand.`);
      }
    }
  }

  // Jobs that needed a removed job: drop it from their `needs`, refuse when they read its outputs.
  for (const pair of (jobsNode as YAMLMap).items) {
    const jobName = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
    if (removedJobs.has(jobName) || !isMap(pair.value)) continue;
    const jobText = (() => {
      const r = nodeRange(pair);
      return r ? text.slice(r[0], r[1]) : "";
    })();
    for (const gone of removedJobs) {
      if (new RegExp(`needs\\.${gone.replace(/[-.]/g, "\\$&")}\\.`).test(jobText)) {
        return refusal(`Job "${jobName}" uses the outputs of job "${gone}", which only pushed; change them by hand.`);
      }
    }
    const needsPair = (pair.value as YAMLMap).items.find((p) => isScalar(p.key) && p.key.value === "needs");
    if (!needsPair) continue;
    const v = needsPair.value as Node;
    const names = isScalar(v) ? [String(v.value)] : isSeq(v) ? (v as YAMLSeq).items.map((i) => (isScalar(i) ? String(i.value) : "")) : [];
    const drop = names.filter((n) => removedJobs.has(n));
    if (drop.length === 0) continue;
    const left = names.filter((n) => !removedJobs.has(n));
    if (left.length === 0 || isScalar(v)) {
      const r = nodeRange(needsPair);
      if (r) cuts.push(blockSpan(text, r[0], r[1]));
    } else if ((v as YAMLSeq).flow && v.range) {
      cuts.push({ start: v.range[0], end: v.range[1] });
      flowReplacements.push({ at: v.range[0], text: `[${left.join(", ")}]` });
    } else {
      for (const item of (v as YAMLSeq).items) {
        if (isScalar(item) && removedJobs.has(String(item.value)) && item.range) cuts.push(blockSpan(text, item.range[0], item.range[2]));
      }
    }
    removed.push({ job: jobName, step: null, why: `no longer waits for ${drop.map((d) => `"${d}"`).join(", ")} (removed)` });
  }

  const stale = anchorsUsedOutside(doc, cuts);
  if (stale.length) {
    return refusal(`A removed step defines the YAML anchor ${stale.map((a) => `&${a}`).join(", ")} that other parts of the workflow reuse; remove the push by hand.`);
  }
  if (removedJobs.size === Object.keys(jobs).length) {
    return { ok: true, change: "delete", after: null, removed: [...removed, { job: "*", step: null, why: "no job is left: the workflow file is deleted" }] };
  }
  let after = text;
  // Flow replacements first (they sit inside kept lines), from the end so earlier positions hold.
  for (const rep of flowReplacements.sort((a, b) => b.at - a.at)) {
    const cut = cuts.find((c) => c.start === rep.at)!;
    after = after.slice(0, cut.start) + rep.text + after.slice(cut.end);
    const delta = rep.text.length - (cut.end - cut.start);
    cuts.splice(cuts.indexOf(cut), 1);
    for (const c of cuts) {
      if (c.start > rep.at) {
        c.start += delta;
        c.end += delta;
      }
    }
  }
  after = applyCuts(after, cuts);
  return { ok: true, change: "edit", after, removed };
}
