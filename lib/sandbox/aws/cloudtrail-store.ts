import type Database from "better-sqlite3";

/** One CloudTrail management event as stored: the lookup attributes as columns, the CloudTrailEvent JSON verbatim. */
export interface TrailEventRow {
  event_id: string;
  time_ms: number;
  region: string;
  event_name: string;
  event_source: string;
  access_key_id: string | null;
  username: string | null;
  read_only: "true" | "false";
  resource_type: string | null;
  resource_name: string | null;
  event_json: string;
}

export const LOOKUP_COLUMNS: Record<string, keyof TrailEventRow> = {
  EventId: "event_id",
  EventName: "event_name",
  ReadOnly: "read_only",
  Username: "username",
  ResourceType: "resource_type",
  ResourceName: "resource_name",
  EventSource: "event_source",
  AccessKeyId: "access_key_id",
};

export function migrateCloudTrail(db: Database.Database): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS aws_ct_events (
      seq INTEGER PRIMARY KEY, event_id TEXT NOT NULL, time_ms INTEGER NOT NULL, region TEXT NOT NULL, event_name TEXT NOT NULL,
      event_source TEXT NOT NULL, access_key_id TEXT, username TEXT, read_only TEXT NOT NULL, resource_type TEXT, resource_name TEXT,
      event_json TEXT NOT NULL);
    CREATE UNIQUE INDEX IF NOT EXISTS aws_ct_events_id ON aws_ct_events (event_id);
    CREATE INDEX IF NOT EXISTS aws_ct_events_time ON aws_ct_events (region, time_ms, seq);
  `);
  // Newest-first keyset paging per lookup attribute: (region, attribute, time, seq).
  for (const col of ["event_name", "read_only", "username", "resource_type", "resource_name", "event_source", "access_key_id"])
    db.exec(`CREATE INDEX IF NOT EXISTS aws_ct_events_${col} ON aws_ct_events (region, ${col}, time_ms, seq)`);
}

export const CLOUDTRAIL_TABLES = ["aws_ct_events"];

export function insertTrailEventsStatement(db: Database.Database) {
  return db.prepare(
    `INSERT INTO aws_ct_events (event_id, time_ms, region, event_name, event_source, access_key_id, username, read_only, resource_type, resource_name, event_json)
     VALUES (@event_id, @time_ms, @region, @event_name, @event_source, @access_key_id, @username, @read_only, @resource_type, @resource_name, @event_json)`,
  );
}

export interface LookupQuery {
  region: string;
  attribute?: { column: keyof TrailEventRow; value: string };
  startMs: number;
  endMs: number;
  /** Keyset cursor: return events strictly older than (timeMs, seq). */
  before?: { timeMs: number; seq: number };
  limit: number;
}

export function lookupTrailEvents(db: Database.Database, q: LookupQuery): Array<TrailEventRow & { seq: number }> {
  const where = ["region = @region", "time_ms >= @startMs", "time_ms <= @endMs"];
  const args: Record<string, unknown> = { region: q.region, startMs: q.startMs, endMs: q.endMs, limit: q.limit };
  if (q.attribute) {
    where.push(`${q.attribute.column} = @attr`);
    args.attr = q.attribute.value;
  }
  if (q.before) {
    where.push("(time_ms < @bt OR (time_ms = @bt AND seq < @bs))");
    args.bt = q.before.timeMs;
    args.bs = q.before.seq;
  }
  // With an attribute, its index (region, attribute, time, seq): left to itself SQLite picks the time index for the
  // range and filters the attribute row by row, scanning every event of the window for a key with few (the large
  // seed's 20,000 made each of a 200-repository Fleet read's lookups a full scan).
  const index = q.attribute ? (q.attribute.column === "event_id" ? "aws_ct_events_id" : `aws_ct_events_${q.attribute.column}`) : null;
  const from = index ? `aws_ct_events INDEXED BY ${index}` : "aws_ct_events";
  return db.prepare(`SELECT * FROM ${from} WHERE ${where.join(" AND ")} ORDER BY time_ms DESC, seq DESC LIMIT @limit`).all(args) as Array<TrailEventRow & { seq: number }>;
}
