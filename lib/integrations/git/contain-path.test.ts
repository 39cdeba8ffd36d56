import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PathEscapeError, PathMissingError, readFileInside, resolveInside } from "./contain-path";

let tmp: string;
let repo: string;
let outside: string;

beforeAll(() => {
  tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "deckhand-contain-")));
  repo = path.join(tmp, "repo");
  outside = path.join(tmp, "host-secrets");
  fs.mkdirSync(path.join(repo, "svc/sub"), { recursive: true });
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(outside, "key"), "host secret");
  fs.writeFileSync(path.join(repo, "svc/Dockerfile"), "FROM scratch\n");
  fs.writeFileSync(path.join(repo, "compose.yaml"), "services: {}\n");
  fs.symlinkSync(outside, path.join(repo, "hostdata"));
  fs.symlinkSync("../../host-secrets/key", path.join(repo, "svc/key-link"));
  fs.symlinkSync("/etc/passwd", path.join(repo, "abs-link"));
  fs.symlinkSync("svc", path.join(repo, "svc-link"));
  fs.symlinkSync("Dockerfile", path.join(repo, "svc/Dockerfile.link"));
  fs.symlinkSync("../../../nowhere", path.join(repo, "svc/dangling-out"));
  fs.symlinkSync("nowhere", path.join(repo, "svc/dangling-in"));
  // A link to the checkout's own parent: the classic "context: ./up" that would copy the data dir into itself.
  fs.symlinkSync("..", path.join(repo, "up"));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const escape = (rel: string, kind?: "file" | "directory") => expect(resolveInside(repo, rel, kind)).rejects.toBeInstanceOf(PathEscapeError);

describe("resolveInside", () => {
  it("resolves plain paths and links that stay inside to their real location", async () => {
    expect(await resolveInside(repo, ".")).toBe(repo);
    expect(await resolveInside(repo, "svc/Dockerfile", "file")).toBe(path.join(repo, "svc/Dockerfile"));
    expect(await resolveInside(repo, "svc-link/Dockerfile")).toBe(path.join(repo, "svc/Dockerfile"));
    expect(await resolveInside(repo, "svc/Dockerfile.link", "file")).toBe(path.join(repo, "svc/Dockerfile"));
    expect(await resolveInside(repo, "svc/sub/..", "directory")).toBe(path.join(repo, "svc"));
  });

  it("refuses every way out, naming the path", async () => {
    await escape("hostdata");
    await escape("hostdata/key");
    await escape("svc/key-link");
    await escape("abs-link");
    await escape("up");
    await escape("up/host-secrets/key");
    await escape("../host-secrets/key");
    await escape("svc/../../host-secrets");
    await escape("/etc/passwd");
    await escape("svc/dangling-out");
    const err = (await resolveInside(repo, "hostdata").catch((e: Error) => e)) as Error;
    expect(err.message).toContain("hostdata");
    expect(err.message).toContain(outside);
  });

  it("says missing for what does not exist inside, and checks the kind", async () => {
    await expect(resolveInside(repo, "svc/nope")).rejects.toBeInstanceOf(PathMissingError);
    await expect(resolveInside(repo, "svc/dangling-in")).rejects.toBeInstanceOf(PathMissingError);
    await expect(resolveInside(repo, "hostdata/nope")).rejects.toBeInstanceOf(PathEscapeError);
    await escape("svc", "file");
    await escape("compose.yaml", "directory");
  });

  it("reads files only inside", async () => {
    expect(await readFileInside(repo, "compose.yaml")).toContain("services");
    await expect(readFileInside(repo, "svc/key-link")).rejects.toThrow(/svc\/key-link/);
  });
});
