import { getConfig } from "../config/env";
import { openDb, type Db } from "./open-db";

export type { Db } from "./open-db";

const globalForDb = globalThis as unknown as { deckhandDb?: Db };

/** The app's store, opened (and migrated) once per process. */
export function getDb(): Db {
  globalForDb.deckhandDb ??= openDb(getConfig().dataDir);
  return globalForDb.deckhandDb;
}
