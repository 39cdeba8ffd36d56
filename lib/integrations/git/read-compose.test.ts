import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ComposeError, readCompose, type ComposePlan } from "./read-compose";

const dirs: string[] = [];
function checkout(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "deckhand-compose-"));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** The project's ComposeError, or else the first failed service (a per-service problem): both name file and line. */
async function composeError(fn: () => Promise<ComposePlan>): Promise<{ file: string; line?: number; message: string }> {
  let plan: ComposePlan;
  try {
    plan = await fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ComposeError);
    return err as ComposeError;
  }
  if (plan.failed[0]) return plan.failed[0];
  throw new Error("expected a ComposeError or a failed service");
}

/** One compose file's text at `file` in a fresh checkout, read as the worker reads it. */
function parseCompose({ file, text, prefix, env }: { file: string; text: string; prefix?: string; env?: Record<string, string> }) {
  const root = checkout({ [file]: text });
  return readCompose({ root, composePath: file === "compose.yaml" ? undefined : file, prefix, env });
}

describe("readCompose: finding the file", () => {
  const one = (name: string) => `services:\n  ${name}:\n    build: .\n`;

  it("looks in Compose's order: compose.yaml, compose.yml, docker-compose.yml, docker-compose.yaml", async () => {
    const all = {
      "compose.yaml": one("a1"),
      "compose.yml": one("b1"),
      "docker-compose.yml": one("c1"),
      "docker-compose.yaml": one("d1"),
    };
    const order = ["compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml"] as const;
    for (let i = 0; i < order.length; i++) {
      const files = Object.fromEntries(order.slice(i).map((n) => [n, all[n]]));
      const plan = await readCompose({ root: checkout(files) });
      expect(plan.file).toBe(order[i]);
      expect(plan.builds.map((b) => b.service)).toEqual([["a1", "b1", "c1", "d1"][i]]);
    }
  });

  it("a configured path wins, and contexts resolve relative to it", async () => {
    const root = checkout({
      "compose.yaml": one("root"),
      "deploy/stack.yml": "services:\n  api:\n    build: ../services/api\n  web:\n    build: { context: web }\n",
    });
    const plan = await readCompose({ root, composePath: "deploy/stack.yml" });
    expect(plan.file).toBe("deploy/stack.yml");
    expect(plan.builds.map((b) => [b.service, b.context, b.dockerfile])).toEqual([
      ["api", "services/api", "services/api/Dockerfile"],
      ["web", "deploy/web", "deploy/web/Dockerfile"],
    ]);
  });

  it("names what it looked for when there is no compose file", async () => {
    await expect(readCompose({ root: checkout({ "README.md": "hi" }) })).rejects.toThrow(
      /compose\.yaml, compose\.yml, docker-compose\.yml, docker-compose\.yaml: no compose file found/,
    );
  });

  it("fails for a configured file that is missing, or outside the repository", async () => {
    const root = checkout({ "compose.yaml": one("x1") });
    await expect(readCompose({ root, composePath: "ops/compose.yaml" })).rejects.toThrow(/ops\/compose\.yaml: compose file not found at this commit/);
    await expect(readCompose({ root, composePath: "../compose.yaml" })).rejects.toThrow(/inside the repository/);
  });
});

describe("parseCompose: services", () => {
  it("plans every service with build:, in short and long form", async () => {
    const text = `name: shop
services:
  api:
    build: ./api
  worker:
    build:
      context: ./jobs
      dockerfile: docker/Worker.Dockerfile
      target: runtime
      args:
        NODE_VERSION: 20
        DEBUG: false
        EMPTY: ""
        FROM_ENV:
  web:
    image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/shop/web:\${TAG:-dev}
    build:
      context: web
      args:
        - A=1
        - B=x=y
        - FROM_ENV
        - UNSET
  db:
    image: postgres:16
`;
    const plan = await parseCompose({ file: "compose.yaml", text, prefix: "team/", env: { FROM_ENV: "e" } });
    expect(plan.notBuilt).toEqual([{ service: "db", reason: "no-build", message: expect.stringMatching(/no build/) }]);
    expect(plan.builds).toEqual([
      { service: "api", repositoryName: "team/api", context: "api", dockerfile: "api/Dockerfile", args: {}, target: undefined, features: {}, line: 3 },
      {
        service: "worker",
        repositoryName: "team/worker",
        context: "jobs",
        dockerfile: "jobs/docker/Worker.Dockerfile",
        args: { NODE_VERSION: "20", DEBUG: "false", EMPTY: "", FROM_ENV: "e" },
        target: "runtime",
        features: {},
        line: 5,
      },
      {
        service: "web",
        repositoryName: "team/shop/web",
        context: "web",
        dockerfile: "web/Dockerfile",
        args: { A: "1", B: "x=y", FROM_ENV: "e" },
        target: undefined,
        features: {},
        line: 15,
      },
    ]);
  });

  it("defaults the context to the compose file's directory and allows a Dockerfile outside the context", async () => {
    const plan = await parseCompose({
      file: "deploy/compose.yaml",
      text: "services:\n  api:\n    build:\n      dockerfile: ../docker/api.Dockerfile\n",
    });
    expect(plan.builds[0]).toMatchObject({ context: "deploy", dockerfile: "docker/api.Dockerfile" });
  });

  it("resolves merge keys and anchors", async () => {
    const text = `x-build: &b
  context: svc
  args: { A: "1" }
services:
  one:
    build:
      <<: *b
      target: t1
  two:
    build: *b
`;
    const plan = await parseCompose({ file: "compose.yaml", text });
    expect(plan.builds.map((b) => [b.service, b.context, b.target, b.args])).toEqual([
      ["one", "svc", "t1", { A: "1" }],
      ["two", "svc", undefined, { A: "1" }],
    ]);
  });

  it("returns no builds for a file whose services are all pulled images", async () => {
    expect(await parseCompose({ file: "compose.yaml", text: "services:\n  db:\n    image: redis\n" })).toMatchObject({
      file: "compose.yaml",
      builds: [],
      notBuilt: [{ service: "db", reason: "no-build" }],
    });
  });
});

describe("parseCompose: errors name the file and the line", () => {
  const err = (text: string, opts: { prefix?: string; file?: string } = {}) =>
    composeError(() => parseCompose({ file: opts.file ?? "compose.yaml", text, prefix: opts.prefix }));

  it("YAML syntax error", async () => {
    const e = await err("services:\n  api:\n    build: .\n   image: [oops\n");
    expect(e.file).toBe("compose.yaml");
    expect(e.line).toBeGreaterThanOrEqual(3);
    expect(e.message).toMatch(/^compose\.yaml:\d+:\d+: \S/);
    expect(e.message).not.toMatch(/\n/);
  });

  it("a service defined twice", async () => {
    const e = await err("services:\n  api:\n    build: .\n  api:\n    build: ./other\n");
    expect(e.line).toBe(4);
    expect(e.message).toMatch(/unique/i);
  });

  it("no services mapping", async () => {
    expect((await err("")).message).toMatch(/compose\.yaml:1:1: empty compose file/);
    expect((await err("version: '3'\nservices: [a, b]\n")).message).toMatch(/^compose\.yaml:2:1: services must be a mapping/);
    expect((await err("- a\n")).line).toBe(1);
  });

  it("invalid repository name from the service name or from image:", async () => {
    const e1 = await err("services:\n  ok:\n    build: .\n  Api:\n    build: ./api\n");
    expect(e1.line).toBe(4);
    expect(e1.message).toMatch(/"Api" is not a valid ECR repository name.*set image:/);
    const e2 = await err("services:\n  api:\n    build: .\n    image: Acme/API:1\n");
    expect(e2.line).toBe(4);
    expect(e2.message).toMatch(/"Acme\/API"/);
    expect((await err("services:\n  a:\n    build: .\n")).message).toMatch(/"a" must be 2 to 256 characters/);
    expect((await err("services:\n  api:\n    build: .\n", { prefix: "Team/" })).message).toMatch(/"Team\/api"/);
  });

  it("a context or Dockerfile outside the repository, or remote", async () => {
    expect((await err("services:\n  api:\n    build: ../../etc\n")).message).toMatch(/^compose\.yaml:3:5: .*must be a relative path inside the repository/);
    expect((await err("services:\n  api:\n    build: /srv/api\n")).line).toBe(3);
    expect((await err("services:\n  api:\n    build:\n      context: .\n      dockerfile: ../../Dockerfile\n")).line).toBe(5);
    expect((await err("services:\n  api:\n    build: https://github.com/acme/api.git#main\n")).message).toMatch(/remote build context .* refused/);
    const inside = await parseCompose({ file: "sub/compose.yaml", text: "services:\n  api:\n    build: ./api/../..\n" });
    expect(inside.builds[0].context).toBe(".");
  });

  it("unsupported or mistyped fields", async () => {
    expect((await err("services:\n  api:\n    build:\n      network: host\n")).line).toBe(4);
    expect((await err("services:\n  api:\n    build:\n      args: 3\n")).line).toBe(4);
    expect((await err("services:\n  api:\n    build:\n      args:\n        A: [1]\n")).line).toBe(5);
    expect((await err("services:\n  api:\n    build:\n      args:\n        - 7\n")).line).toBe(5);
    expect((await err("services:\n  api:\n    build: 7\n")).message).toMatch(/services\.api\.build must be a string or a mapping/);
    expect((await err("services:\n  api:\n    build:\n      target: { a: 1 }\n")).line).toBe(4);
    expect((await err("services:\n  api: 3\n")).line).toBe(2);
    expect((await err("services:\n  api:\n    image: ${REPO:?set REPO}\n    build: .\n")).message).toMatch(/^compose\.yaml:3:5: .*REPO is missing a value/);
  });

  it("two services pushing to the same repository", async () => {
    const e = await err("services:\n  api:\n    build: .\n  api2:\n    image: api\n    build: ./v2\n");
    expect(e.line).toBe(4);
    expect(e.message).toMatch(/services api \(compose\.yaml:2\) and api2 would both push to ECR repository api/);
  });
});

describe("readCompose: one service's problem fails that service only", () => {
  it("a broken service is failed with file, line and key; the others are still built", async () => {
    const root = checkout({
      "compose.yaml": "services:\n  api:\n    build: ./api\n  bad:\n    build:\n      context: ./bad\n      network: host\n  db:\n    image: redis\n",
    });
    const plan = await readCompose({ root });
    expect(plan.builds.map((b) => b.service)).toEqual(["api"]);
    expect(plan.notBuilt.map((n) => n.service)).toEqual(["db"]);
    expect(plan.failed).toEqual([
      {
        service: "bad",
        repositoryName: "",
        reason: "compose-invalid",
        file: "compose.yaml",
        line: 7,
        column: 7,
        key: "services.bad.build.network",
        message: expect.stringMatching(/^compose\.yaml:7:7: services\.bad\.build\.network: not supported/),
      },
    ]);
  });

  it("a missing required variable fails the service that uses it, naming it", async () => {
    const root = checkout({ "compose.yaml": "services:\n  api:\n    build: .\n  web:\n    build: ./web\n    image: ${WEB_REPO:?set WEB_REPO}\n" });
    const plan = await readCompose({ root });
    expect(plan.builds.map((b) => b.service)).toEqual(["api"]);
    expect(plan.failed[0]).toMatchObject({ service: "web", line: 6, message: expect.stringMatching(/WEB_REPO/) });
  });
});

describe("readCompose over the resolver: what this build path builds", () => {
  it("profiles: a service of an inactive profile is not built; active profiles build it", async () => {
    const text = 'services:\n  app:\n    build: ./app\n  debug-tools:\n    build: ./debug-tools\n    profiles: ["debug"]\n';
    const root = checkout({ "compose.yaml": text });
    expect((await readCompose({ root })).builds.map((b) => b.service)).toEqual(["app"]);
    expect((await readCompose({ root })).notBuilt).toMatchObject([{ service: "debug-tools", reason: "profile-not-selected" }]);
    expect((await readCompose({ root, profiles: ["debug"] })).builds.map((b) => b.service)).toEqual(["app", "debug-tools"]);
  });

  it("several files in DECKHAND_COMPOSE_FILE, separated by ':'", async () => {
    const root = checkout({ "a.yaml": "services:\n  api:\n    build: .\n", "b.yaml": "services:\n  api:\n    image: team/api\n" });
    const plan = await readCompose({ root, composePath: "a.yaml:b.yaml" });
    expect(plan.file).toBe("a.yaml, b.yaml");
    expect(plan.builds[0].repositoryName).toBe("team/api");
  });

  it("a single platform is built for; several platforms are built as an index", async () => {
    const root = checkout({
      "compose.yaml":
        "services:\n  edge:\n    build:\n      context: ./edge\n    image: edge-gateway:latest\n    platform: linux/arm64\n" +
        "  multi:\n    build:\n      context: .\n      platforms: [linux/amd64, linux/arm64]\n",
    });
    const plan = await readCompose({ root });
    expect(plan.builds).toMatchObject([
      { service: "edge", repositoryName: "edge-gateway", features: { platform: "linux/arm64" } },
      { service: "multi", features: { platforms: ["linux/amd64", "linux/arm64"] } },
    ]);
    expect(plan.failed).toEqual([]);
  });

  it("an inline Dockerfile, labels, no_cache, pull, additional contexts and secret files reach the build (secrets by path only)", async () => {
    const root = checkout({
      "compose.yaml":
        "services:\n  m1:\n    build:\n      context: .\n      dockerfile_inline: |\n        FROM scratch\n      labels:\n        team: shop\n      no_cache: true\n      pull: true\n" +
        "  s1:\n    build:\n      context: .\n      secrets: [npm]\n  c1:\n    build:\n      context: .\n      additional_contexts:\n        lib: ./lib\n" +
        "secrets:\n  npm:\n    file: ./npmrc\n",
      npmrc: "token\n",
    });
    const plan = await readCompose({ root });
    expect(plan.builds).toEqual([
      expect.objectContaining({ service: "m1", dockerfile: undefined, features: { dockerfileInline: "FROM scratch\n", labels: { team: "shop" }, noCache: true, pull: true } }),
      expect.objectContaining({ service: "s1", features: { secrets: [{ id: "npm", file: "npmrc" }] } }),
      expect.objectContaining({ service: "c1", features: { additionalContexts: { lib: "lib" } } }),
    ]);
    expect(plan.failed).toEqual([]);
    expect(JSON.stringify(plan.builds) + JSON.stringify(plan.failed)).not.toContain("token");
  });
});
