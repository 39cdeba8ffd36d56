import type { Db } from "../db/open-db";

/**
 * Server-side sign-out. Sessions are JWTs in a cookie, so deleting the cookie alone would leave a copied
 * cookie valid until it expires: each session carries an id (`sid`, set at sign-in), sign-out records it
 * here, and every session check (auth-options' session callback) refuses a recorded id.
 * Rows are kept until the session would have expired anyway (`expiresAt`, ISO), then pruned.
 */
export function revokeSession(db: Db, sid: string, expiresAt: Date, now: Date = new Date()): void {
  db.prepare(`INSERT OR IGNORE INTO revoked_sessions (sid, revoked_at, expires_at) VALUES (?, ?, ?)`).run(sid, now.toISOString(), expiresAt.toISOString());
  db.prepare(`DELETE FROM revoked_sessions WHERE expires_at < ?`).run(now.toISOString());
}

/** True when `sid` was signed out. */
export function isSessionRevoked(db: Db, sid: string): boolean {
  return db.prepare(`SELECT 1 FROM revoked_sessions WHERE sid = ?`).get(sid) !== undefined;
}
