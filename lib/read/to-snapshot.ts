// lib/judgements/posture's doctor judges a PostureSnapshot of Gathered values; this maps the loaded Sections onto it.
// The failure text carried over is the whitelisted one, so the checks can show it as evidence.

import type { Gathered, PostureSnapshot } from "../judgements/posture/snapshot";
import type { PostureSections } from "./load-posture";
import type { Section } from "../failures";

const CALL_NAMES: Record<string, string> = { github: "GitHub", config: "Deckhand" };

export function toGathered<T, U = T>(section: Section<T>, map: (v: T) => U = (v) => v as unknown as U): Gathered<U> {
  if (section.ok) return { ok: true, value: map(section.data) };
  const e = section.error;
  const call = CALL_NAMES[e.service] ? `${CALL_NAMES[e.service]} ${e.operation}` : `${e.service}:${e.operation}`;
  return { ok: false, error: { call, message: e.message, code: e.kind } };
}

export function toPostureSnapshot(s: Omit<PostureSections, "identity" | "expected">, o: { now: Date; userName: string; region: string }): PostureSnapshot {
  return {
    now: o.now,
    userName: o.userName,
    user: toGathered(s.user),
    accessKeys: toGathered(s.keys),
    policies: toGathered(s.policies),
    secrets: toGathered(s.secrets),
    variables: toGathered(s.variables),
    runs: toGathered(s.runs),
    cloudTrail: toGathered(s.activity, (a) => a.events),
    ecrRepositories: { [o.region]: toGathered(s.repositories) },
  };
}
