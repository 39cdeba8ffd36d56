import fs from "node:fs";
import path from "node:path";

/** The id Next.js gave a server action in this build, found by its exported name. */
export function serverActionId(exportedName: string): string {
  const manifest = JSON.parse(fs.readFileSync(path.join(".next", "server", "server-reference-manifest.json"), "utf8")) as {
    node: Record<string, { exportedName?: string }>;
  };
  const entry = Object.entries(manifest.node).find(([, v]) => v.exportedName === exportedName);
  if (!entry) throw new Error(`no server action named ${exportedName} in this build`);
  return entry[0];
}
