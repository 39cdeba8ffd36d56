import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openDb, type Db } from "../db/open-db";
import { parseConfig } from "../config/env";
import { buildAuthOptions } from "./auth-options";
import { isSessionRevoked, revokeSession } from "./revoked-sessions";

let dir: string;
let db: Db;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "deckhand-revoked-"));
  db = openDb(dir);
});
afterEach(() => {
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("revoked sessions", () => {
  it("records a signed-out session and prunes rows past their expiry", () => {
    revokeSession(db, "a", new Date("2026-01-01T08:00:00Z"), new Date("2026-01-01T00:00:00Z"));
    expect(isSessionRevoked(db, "a")).toBe(true);
    expect(isSessionRevoked(db, "b")).toBe(false);
    revokeSession(db, "b", new Date("2026-01-02T08:00:00Z"), new Date("2026-01-02T00:00:00Z"));
    expect(isSessionRevoked(db, "a")).toBe(false);
    expect(isSessionRevoked(db, "b")).toBe(true);
  });

  it("a session is refused after sign-out, and one without an id (issued before sign-out was recorded) is refused too", async () => {
    const config = parseConfig({ DECKHAND_DATA_DIR: dir, DECKHAND_OPERATORS: "octo-operator" });
    const options = buildAuthOptions(config, () => db);
    const jwt = options.callbacks!.jwt!;
    const session = options.callbacks!.session!;
    const token = await jwt({ token: {}, profile: { login: "octo-operator" }, account: null, user: { id: "1" } } as never);
    expect(typeof token.sid).toBe("string");
    const base = { session: { expires: "" }, token, user: undefined, newSession: undefined, trigger: "update" } as never;
    expect(await session(base)).toMatchObject({ login: "octo-operator", role: "operator" });
    // The signed-in token is carried on: the id stays.
    expect((await jwt({ token, account: null, user: undefined } as never)).sid).toBe(token.sid);
    await options.events!.signOut!({ token, session: undefined } as never);
    expect(await session(base)).toMatchObject({ login: null, role: null });
    const noSid = { session: { expires: "" }, token: { login: "octo-operator" } } as never;
    expect(await session(noSid)).toMatchObject({ login: null, role: null });
  });
});
