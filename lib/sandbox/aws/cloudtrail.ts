import { createHash } from "node:crypto";
import { authorize, type AwsCall, type OperationHandler } from "./call";
import { AwsError } from "./errors";
import { LOOKUP_COLUMNS, lookupTrailEvents } from "./cloudtrail-store";

const RETENTION_MS = 90 * 24 * 60 * 60 * 1000;

interface LookupAttribute {
  AttributeKey?: string;
  AttributeValue?: string;
}

/** JSON 1.1 timestamps arrive as epoch seconds (the SDK and CLI both send numbers). */
function timeParam(v: unknown, name: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  const ms = typeof v === "number" ? v * 1000 : typeof v === "string" ? Date.parse(v) : NaN;
  if (!Number.isFinite(ms)) throw new AwsError("InvalidTimeRangeException", `${name} is not a valid timestamp.`, 400);
  return ms;
}

/** NextToken must come back with the same parameters (CloudTrail refuses it otherwise). */
function fingerprint(call: AwsCall): string {
  const { LookupAttributes, StartTime, EndTime, EventCategory } = call.params;
  return createHash("sha256").update(JSON.stringify([call.region, LookupAttributes ?? null, StartTime ?? null, EndTime ?? null, EventCategory ?? null])).digest("hex").slice(0, 16);
}

export const cloudTrailOperations: Record<string, OperationHandler> = {
  LookupEvents(call) {
    authorize(call, "cloudtrail:LookupEvents", "*", undefined);
    const attrs = (call.params.LookupAttributes as LookupAttribute[] | undefined) ?? [];
    if (!Array.isArray(attrs) || attrs.length > 1) throw new AwsError("InvalidLookupAttributesException", "You cannot specify more than one lookup attribute.", 400);
    let attribute: { column: (typeof LOOKUP_COLUMNS)[string]; value: string } | undefined;
    if (attrs.length === 1) {
      const key = attrs[0].AttributeKey ?? "";
      const column = LOOKUP_COLUMNS[key];
      if (!column) throw new AwsError("InvalidLookupAttributesException", `Invalid attribute key: ${key}. Valid keys are ${Object.keys(LOOKUP_COLUMNS).join(", ")}.`, 400);
      if (typeof attrs[0].AttributeValue !== "string" || attrs[0].AttributeValue === "") throw new AwsError("InvalidLookupAttributesException", "Attribute value must not be empty.", 400);
      attribute = { column, value: attrs[0].AttributeValue };
    }
    if (call.params.EventCategory !== undefined && call.params.EventCategory !== "insight")
      throw new AwsError("InvalidEventCategoryException", "The event category is not valid.", 400);
    // Insights events are not emulated: asking for them yields nothing.
    if (call.params.EventCategory === "insight") return { Events: [] };
    const maxRaw = call.params.MaxResults;
    const max = maxRaw === undefined || maxRaw === null ? 50 : Number(maxRaw);
    if (!Number.isInteger(max) || max < 1 || max > 50) throw new AwsError("InvalidMaxResultsException", "Maximum number of results must be between 1 and 50.", 400);
    const now = call.now.getTime();
    const startMs = timeParam(call.params.StartTime, "StartTime") ?? now - RETENTION_MS;
    const endMs = timeParam(call.params.EndTime, "EndTime") ?? now;
    if (startMs > endMs) throw new AwsError("InvalidTimeRangeException", "Start time should be before end time.", 400);

    let before: { timeMs: number; seq: number } | undefined;
    const token = call.params.NextToken;
    if (token !== undefined && token !== null && token !== "") {
      try {
        const t = JSON.parse(Buffer.from(String(token), "base64").toString("utf8")) as { f: string; t: number; s: number };
        if (t.f !== fingerprint(call) || !Number.isInteger(t.t) || !Number.isInteger(t.s)) throw new Error("mismatch");
        before = { timeMs: t.t, seq: t.s };
      } catch {
        throw new AwsError("InvalidNextTokenException", "Invalid NextToken.", 400);
      }
    }
    const rows = lookupTrailEvents(call.ctx.db, { region: call.region, attribute, startMs: Math.max(startMs, now - RETENTION_MS), endMs, before, limit: max + 1 });
    const page = rows.slice(0, max);
    const last = page[page.length - 1];
    return {
      Events: page.map((r) => ({
        EventId: r.event_id,
        EventName: r.event_name,
        ReadOnly: r.read_only,
        AccessKeyId: r.access_key_id ?? undefined,
        EventTime: new Date(r.time_ms),
        EventSource: r.event_source,
        Username: r.username ?? undefined,
        Resources: r.resource_name ? [{ ResourceType: r.resource_type ?? undefined, ResourceName: r.resource_name }] : [],
        CloudTrailEvent: r.event_json,
      })),
      NextToken: rows.length > max ? Buffer.from(JSON.stringify({ f: fingerprint(call), t: last.time_ms, s: last.seq })).toString("base64") : undefined,
    };
  },
};
