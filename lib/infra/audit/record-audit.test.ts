import { afterEach, describe, expect, it } from "vitest";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { openDb } from "../db/open-db";
import { listAudit, recordAudit } from "./record-audit";

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
function db() {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "deckhand-audit-"));
  dirs.push(d);
  return openDb(d);
}

describe("audit log", () => {
  it("lists newest first with filters and keyset paging", () => {
    const d = db();
    for (let i = 0; i < 5; i++) recordAudit(d, { actor: i % 2 ? "octo-viewer" : "octo-operator", action: `a${i}`, outcome: i === 3 ? "refused" : "success", detail: { i } });
    const all = listAudit(d);
    expect(all.map((r) => r.action)).toEqual(["a4", "a3", "a2", "a1", "a0"]);
    expect(all[0].detail).toEqual({ i: 4 });
    expect(listAudit(d, { outcome: "refused" }).map((r) => r.action)).toEqual(["a3"]);
    expect(listAudit(d, { actor: "octo-viewer" }).map((r) => r.action)).toEqual(["a3", "a1"]);
    const page1 = listAudit(d, { limit: 2 });
    const page2 = listAudit(d, { limit: 2, beforeId: page1[1].id });
    expect(page2.map((r) => r.action)).toEqual(["a2", "a1"]);
  });

  it("refuses an outcome outside the three kinds at the store level", () => {
    const d = db();
    expect(() => recordAudit(d, { actor: "x", action: "y", outcome: "maybe" as never })).toThrow(/CHECK/);
  });
});
