import { execFile } from "node:child_process";
import fs from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export type Builder = { kind: "buildah"; path: string } | { kind: "docker"; path: string };
export type BuilderPreference = "auto" | "buildah" | "docker";

export const NO_BUILDER_MESSAGE =
  "No image builder found: install buildah (apt-get install buildah) or Docker with buildx";

export class NoBuilderError extends Error {
  constructor(detail?: string) {
    super(detail ? `${NO_BUILDER_MESSAGE} (${detail})` : NO_BUILDER_MESSAGE);
    this.name = "NoBuilderError";
  }
}

/**
 * Picks the image builder: buildah when on PATH (daemonless, preferred), else docker when its buildx plugin answers.
 * A preference of "buildah" or "docker" allows only that one. Fails with a message that names what to install,
 * so a job can fail at once while the rest of Deckhand keeps working.
 */
export async function detectBuilder({
  preference = "auto",
  pathEnv = process.env.PATH ?? "",
}: { preference?: BuilderPreference; pathEnv?: string } = {}): Promise<Builder> {
  if (preference !== "docker") {
    const buildah = await findOnPath("buildah", pathEnv);
    if (buildah) return { kind: "buildah", path: buildah };
    if (preference === "buildah") throw new NoBuilderError("buildah is not on PATH");
  }
  const docker = await findOnPath("docker", pathEnv);
  if (docker) {
    try {
      await run(docker, ["buildx", "version"], { timeout: 10_000, env: { ...process.env, PATH: pathEnv } });
      return { kind: "docker", path: docker };
    } catch {
      throw new NoBuilderError(`docker at ${docker} has no buildx plugin`);
    }
  }
  throw new NoBuilderError(preference === "docker" ? "docker is not on PATH" : undefined);
}

export async function findOnPath(command: string, pathEnv: string): Promise<string | null> {
  for (const dir of pathEnv.split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, command);
    try {
      const st = await fs.stat(candidate);
      if (!st.isFile()) continue;
      await fs.access(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}
