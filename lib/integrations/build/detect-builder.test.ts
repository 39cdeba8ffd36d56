import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { detectBuilder, findOnPath, NO_BUILDER_MESSAGE } from "./detect-builder";

const root = fs.mkdtempSync(path.join(os.tmpdir(), "deckhand-builder-"));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** A directory holding fake executables (shell scripts), to control what PATH offers. */
function binDir(name: string, tools: Record<string, string>): string {
  const dir = path.join(root, name);
  fs.mkdirSync(dir, { recursive: true });
  for (const [tool, script] of Object.entries(tools)) {
    fs.writeFileSync(path.join(dir, tool), `#!/bin/sh\n${script}\n`, { mode: 0o755 });
  }
  return dir;
}

describe("detectBuilder", () => {
  it("finds the real buildah on this machine", async () => {
    expect(await detectBuilder()).toEqual({ kind: "buildah", path: expect.stringMatching(/\/buildah$/) });
  });

  it("prefers buildah over docker", async () => {
    const dir = binDir("both", { buildah: "exit 0", docker: "exit 0" });
    expect(await detectBuilder({ pathEnv: dir })).toEqual({ kind: "buildah", path: path.join(dir, "buildah") });
  });

  it("falls back to docker when buildx answers, and honours a docker preference", async () => {
    const dir = binDir("docker-ok", { docker: '[ "$1 $2" = "buildx version" ] && echo buildx v0.20 && exit 0; exit 1' });
    expect(await detectBuilder({ pathEnv: dir })).toEqual({ kind: "docker", path: path.join(dir, "docker") });
    const both = binDir("both2", { buildah: "exit 0", docker: '[ "$1" = "buildx" ] && exit 0; exit 1' });
    expect(await detectBuilder({ pathEnv: both, preference: "docker" })).toMatchObject({ kind: "docker" });
  });

  it("names what to install when nothing usable is found", async () => {
    const empty = binDir("empty", {});
    await expect(detectBuilder({ pathEnv: empty })).rejects.toThrow(NO_BUILDER_MESSAGE);
    const noBuildx = binDir("no-buildx", { docker: "echo 'docker: unknown command: docker buildx' >&2; exit 1" });
    await expect(detectBuilder({ pathEnv: noBuildx })).rejects.toThrow(/install buildah \(apt-get install buildah\).*no buildx plugin/);
    await expect(detectBuilder({ pathEnv: noBuildx, preference: "buildah" })).rejects.toThrow(/buildah is not on PATH/);
  });

  it("skips non-executable files and directories on PATH", async () => {
    const dir = binDir("nonexec", {});
    fs.writeFileSync(path.join(dir, "buildah"), "#!/bin/sh\n", { mode: 0o644 });
    fs.mkdirSync(path.join(dir, "docker"));
    expect(await findOnPath("buildah", dir)).toBeNull();
    expect(await findOnPath("docker", dir)).toBeNull();
  });
});
