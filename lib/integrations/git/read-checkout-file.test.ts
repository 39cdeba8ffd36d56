import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createCheckoutReader } from "./read-checkout-file";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function checkout() {
  const parent = fs.mkdtempSync(path.join(os.tmpdir(), "deckhand-reader-"));
  dirs.push(parent);
  const root = path.join(parent, "repo");
  fs.mkdirSync(path.join(root, "sub"), { recursive: true });
  fs.writeFileSync(path.join(root, "sub", "a.yaml"), "a");
  fs.writeFileSync(path.join(parent, "outside.yaml"), "secret outside");
  fs.symlinkSync("sub/a.yaml", path.join(root, "inside-link.yaml"));
  fs.symlinkSync("../outside.yaml", path.join(root, "escape.yaml"));
  fs.symlinkSync("..", path.join(root, "up"));
  return { root, read: createCheckoutReader(root) };
}

describe("createCheckoutReader", () => {
  it("reads repository-relative files, through symlinks that stay inside", async () => {
    const { read } = checkout();
    expect(await read("sub/a.yaml")).toBe("a");
    expect(await read("./sub/../sub/a.yaml")).toBe("a");
    expect(await read("inside-link.yaml")).toBe("a");
  });

  it("refuses absolute paths, .. out of the root and symlinks leading out, without reading them", async () => {
    const { read } = checkout();
    await expect(read("../outside.yaml")).rejects.toMatchObject({ code: "EOUTSIDE" });
    await expect(read("/etc/hostname")).rejects.toMatchObject({ code: "EOUTSIDE" });
    await expect(read("escape.yaml")).rejects.toThrow(/escape\.yaml: resolves through a symbolic link to .*, outside the repository/);
    await expect(read("up/outside.yaml")).rejects.toMatchObject({ code: "EOUTSIDE" });
  });

  it("says ENOENT for a missing file and refuses directories", async () => {
    const { read } = checkout();
    await expect(read("nope.yaml")).rejects.toMatchObject({ code: "ENOENT" });
    await expect(read("sub")).rejects.toMatchObject({ code: "ENOTFILE" });
  });
});
