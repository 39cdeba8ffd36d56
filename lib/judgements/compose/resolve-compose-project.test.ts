import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createCheckoutReader } from "../../integrations/git/read-checkout-file";
import { COMPOSE_LIMITS } from "./load-compose-model";
import { resolveComposeProject, type ComposeResolution, type ServicePlan } from "./resolve-compose-project";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** A checkout in a temp dir, and a reader over it that records every path asked for (and refuses `..` / absolute). */
function repo(files: Record<string, string>) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "deckhand-compose-"));
  dirs.push(root);
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    fs.writeFileSync(path.join(root, name), text);
  }
  const reads: string[] = [];
  const inner = createCheckoutReader(root);
  const read = (p: string) => {
    reads.push(p);
    return inner(p);
  };
  return { root, reads, read };
}

async function resolve(files: Record<string, string>, opts: Omit<Parameters<typeof resolveComposeProject>[0], "read"> = {}) {
  const r = repo(files);
  const resolution = await resolveComposeProject({ read: r.read, ...opts });
  return { ...resolution, reads: r.reads, root: r.root };
}

function svc(res: ComposeResolution, name: string): ServicePlan {
  const s = res.services.find((p) => p.service === name);
  if (!s) throw new Error(`no service ${name} in ${res.services.map((p) => p.service).join(", ")}`);
  return s;
}
function built(res: ComposeResolution, name: string) {
  const s = svc(res, name);
  if (s.status !== "build") throw new Error(`${name} is ${s.status}: ${JSON.stringify(s)}`);
  return s.build;
}
function problems(res: ComposeResolution, name: string) {
  const s = svc(res, name);
  if (s.status !== "failed") throw new Error(`${name} is ${s.status}, not failed`);
  return s.problems;
}

describe("the field cases (shared/field-cases), as docker compose build sees them", () => {
  it("compose-profiles: the debug profile's service is not built without the profile", async () => {
    const files = {
      "compose.yaml": 'services:\n  app:\n    build: ./app\n    image: shop-app:latest\n\n  debug-tools:\n    build: ./debug-tools\n    image: shop-debug-tools:latest\n    profiles: ["debug"]\n',
      "app/Dockerfile": "FROM scratch\nCOPY app.txt /app.txt\n",
      "debug-tools/Dockerfile": "FROM scratch\nCOPY tools.txt /tools.txt\n",
    };
    const res = await resolve(files);
    expect(res.problems).toEqual([]);
    expect(built(res, "app")).toMatchObject({ repositoryName: "shop-app", context: "app", dockerfile: { kind: "path", path: "app/Dockerfile" } });
    expect(svc(res, "debug-tools")).toMatchObject({ status: "not-built", reason: "profile-not-selected", message: expect.stringMatching(/profile debug/) });
    const withDebug = await resolve(files, { profiles: ["debug"] });
    expect(built(withDebug, "debug-tools").repositoryName).toBe("shop-debug-tools");
    // COMPOSE_PROFILES in the repository's .env counts too, as for docker compose.
    const fromDotenv = await resolve({ ...files, ".env": "COMPOSE_PROFILES=debug\n" });
    expect(svc(fromDotenv, "debug-tools").status).toBe("build");
  });

  it("compose-extends: api inherits build from common.yaml and pushes to shop-api", async () => {
    const res = await resolve({
      "compose.yaml": "services:\n  api:\n    extends:\n      file: common.yaml\n      service: app-template\n    image: shop-api:latest\n",
      "common.yaml": "services:\n  app-template:\n    build:\n      context: ./base-app\n      dockerfile: Dockerfile\n",
    });
    expect(res.problems).toEqual([]);
    expect(res.services.map((s) => s.service)).toEqual(["api"]);
    expect(built(res, "api")).toMatchObject({ repositoryName: "shop-api", context: "base-app", dockerfile: { kind: "path", path: "base-app/Dockerfile" } });
    expect(res.reads).toContain("common.yaml");
  });

  it("compose-dotenv-image: .env beside the compose file sets the image and the build arg", async () => {
    const files = {
      ".env": "WEB_IMAGE=storefront/web\nAPP_VERSION=2.4.1\n",
      "compose.yaml": "services:\n  web:\n    build:\n      context: ./web\n      args:\n        APP_VERSION: ${APP_VERSION:-dev}\n    image: ${WEB_IMAGE:-web}:latest\n",
    };
    const res = await resolve(files);
    expect(built(res, "web")).toMatchObject({ repositoryName: "storefront/web", image: "storefront/web:latest", args: { APP_VERSION: "2.4.1" } });
    // An explicit variable wins over .env, as the shell environment does for Compose.
    expect(built(await resolve(files, { env: { APP_VERSION: "9.9.9" } }), "web").args).toEqual({ APP_VERSION: "9.9.9" });
  });

  it("compose-platform-arm64: the service's platform is the build platform", async () => {
    const res = await resolve({ "compose.yaml": "services:\n  edge:\n    build:\n      context: ./edge\n    image: edge-gateway:latest\n    platform: linux/arm64\n" });
    expect(built(res, "edge")).toMatchObject({ repositoryName: "edge-gateway", platforms: ["linux/arm64"], keyAt: { platform: expect.objectContaining({ line: 6 }) } });
  });

  it("compose-dockerfile-inline: both services are planned, one with its inline Dockerfile", async () => {
    const res = await resolve({
      "compose.yaml":
        "services:\n  api:\n    build: ./api\n    image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/team/api:${TAG:-latest}\n\n  migrations:\n    build:\n      context: ./migrations\n      dockerfile_inline: |\n        FROM scratch\n        COPY 001_init.sql /migrations/001_init.sql\n    image: team/migrations\n",
    });
    expect(built(res, "api")).toMatchObject({ repositoryName: "team/api", dockerfile: { kind: "path", path: "api/Dockerfile" } });
    expect(built(res, "migrations")).toMatchObject({
      repositoryName: "team/migrations",
      context: "migrations",
      dockerfile: { kind: "inline", text: "FROM scratch\nCOPY 001_init.sql /migrations/001_init.sql\n" },
    });
  });
});

describe("files: -f order, COMPOSE_FILE, override files", () => {
  it("adds compose.override.yaml after compose.yaml, merging by the specification's rules", async () => {
    const res = await resolve({
      "compose.yaml": "services:\n  api:\n    build:\n      context: ./api\n      args: { A: '1', B: '1' }\n    image: api\n",
      "compose.override.yaml": "services:\n  api:\n    build:\n      args:\n        - B=2\n        - C=3\n      target: dev\n    image: api-dev\n",
    });
    expect(res.files).toEqual(["compose.yaml", "compose.override.yaml"]);
    expect(built(res, "api")).toMatchObject({ repositoryName: "api-dev", args: { A: "1", B: "2", C: "3" }, target: "dev", context: "api" });
  });

  it("docker-compose.yml with docker-compose.override.yml; the first override name found wins", async () => {
    const res = await resolve({
      "docker-compose.yml": "services:\n  api:\n    build: ./api\n",
      "docker-compose.override.yml": "services:\n  api:\n    image: from-override\n",
      "docker-compose.override.yaml": "services:\n  api:\n    image: ignored\n",
    });
    expect(res.files).toEqual(["docker-compose.yml", "docker-compose.override.yml"]);
    expect(built(res, "api").repositoryName).toBe("from-override");
  });

  it("explicit files: no override lookup, paths of every file relative to the first file's directory", async () => {
    const res = await resolve(
      {
        "deploy/compose.yaml": "services:\n  api:\n    build: ../src/api\n",
        "deploy/compose.override.yaml": "services:\n  api:\n    image: never-read\n",
        "ops/dev.yaml": "services:\n  api:\n    build:\n      context: ../src/api-dev\n",
      },
      { files: ["deploy/compose.yaml", "ops/dev.yaml"] },
    );
    expect(res.files).toEqual(["deploy/compose.yaml", "ops/dev.yaml"]);
    expect(res.projectDirectory).toBe("deploy");
    expect(built(res, "api")).toMatchObject({ repositoryName: "api", context: "src/api-dev" });
    expect(res.reads).not.toContain("deploy/compose.override.yaml");
  });

  it("COMPOSE_FILE from .env, split on COMPOSE_PATH_SEPARATOR", async () => {
    const files = {
      "a.yaml": "services:\n  api:\n    build: .\n",
      "b.yaml": "services:\n  api:\n    image: from-b\n",
    };
    expect(built(await resolve({ ...files, ".env": "COMPOSE_FILE=a.yaml:b.yaml\n" }), "api").repositoryName).toBe("from-b");
    const sep = await resolve({ ...files, ".env": "COMPOSE_PATH_SEPARATOR=;\nCOMPOSE_FILE=a.yaml;b.yaml\n" });
    expect(sep.files).toEqual(["a.yaml", "b.yaml"]);
  });

  it("a missing file, a file outside the repository, an empty file, no file at all", async () => {
    expect((await resolve({ "compose.yaml": "services: {a1: {build: .}}\n" }, { files: ["compose.yaml", "nope.yaml"] })).problems).toEqual([
      { file: "nope.yaml", message: "compose file not found at this commit" },
    ]);
    const outside = await resolve({ "compose.yaml": "" }, { files: ["../etc/compose.yaml"] });
    expect(outside.problems[0].message).toMatch(/inside the repository/);
    expect(outside.reads).toEqual([]);
    expect((await resolve({ "compose.yaml": "# nothing\n" })).problems[0]).toMatchObject({ file: "compose.yaml", line: 1, message: expect.stringMatching(/empty compose file/) });
    expect((await resolve({ "README.md": "x" })).problems[0].message).toMatch(/no compose file found/);
  });
});

describe("YAML corner cases", () => {
  it("an anchor used by two services resolves each build path where it is used", async () => {
    const res = await resolve(
      { "deploy/compose.yaml": "x-build: &b\n  context: ./svc\n  args: { A: '1' }\nservices:\n  one:\n    build: *b\n    image: one\n  two:\n    build:\n      <<: *b\n      target: t\n    image: two\n" },
      { files: ["deploy/compose.yaml"] },
    );
    expect([built(res, "one").context, built(res, "two").context, built(res, "two").target]).toEqual(["deploy/svc", "deploy/svc", "t"]);
  });

  it("an override file can !reset a build: the service is then not built, and says so", async () => {
    const res = await resolve({
      "compose.yaml": "services:\n  api:\n    build: ./api\n    image: api\n",
      "compose.override.yaml": "services:\n  api:\n    build: !reset null\n",
    });
    expect(svc(res, "api")).toMatchObject({ status: "not-built", reason: "no-build" });
  });

  it("several documents in one file merge in order; alias bombs and alias cycles are refused", async () => {
    const multi = await resolve({ "compose.yaml": "services:\n  api:\n    build: .\n---\nservices:\n  api:\n    image: team/api\n" });
    expect(built(multi, "api").repositoryName).toBe("team/api");
    const bomb = ["a: &a [x, x, x, x, x, x, x, x, x, x]", ...["b", "c", "d", "e", "f", "g"].map((n, i) => `${n}: &${n} [${Array(10).fill(`*${"abcdef"[i]}`).join(", ")}]`), "services:\n  api:\n    build: ."].join("\n");
    expect((await resolve({ "compose.yaml": bomb })).problems[0]).toMatchObject({ file: "compose.yaml", message: expect.stringMatching(/alias bomb/) });
    const cycle = await resolve({ "compose.yaml": "x: &x\n  self: *x\nservices:\n  api:\n    build: .\n" });
    expect(cycle.problems[0]).toMatchObject({ file: "compose.yaml", line: expect.any(Number), message: expect.stringMatching(/alias/i) });
  });
});

describe("extends", () => {
  it("same file, short and long form, recursively; mappings merge and the extending service wins", async () => {
    const res = await resolve({
      "compose.yaml": `services:
  base:
    build:
      context: ./svc
      args: { A: "1", B: "1" }
    image: base
  mid:
    extends: base
    build:
      args: { B: "2" }
      target: mid
    image: mid
  top:
    extends:
      service: mid
    build:
      args: [C=3]
    image: top
`,
    });
    expect(res.problems).toEqual([]);
    expect(built(res, "top")).toMatchObject({ repositoryName: "top", context: "svc", args: { A: "1", B: "2", C: "3" }, target: "mid" });
  });

  it("another file's relative paths stay its own, through a chain of files", async () => {
    const res = await resolve({
      "compose.yaml": "services:\n  api:\n    extends: { file: templates/web.yaml, service: web }\n    image: api\n",
      "templates/web.yaml": "services:\n  web:\n    extends: { file: ../base/node.yaml, service: node }\n    build:\n      context: ./web-app\n",
      "base/node.yaml": "services:\n  node:\n    build:\n      context: ./node\n      dockerfile: node.Dockerfile\n      args: { NODE: '20' }\n",
    });
    expect(built(res, "api")).toMatchObject({ context: "templates/web-app", dockerfile: { kind: "path", path: "templates/web-app/node.Dockerfile" }, args: { NODE: "20" } });
  });

  it("refuses cycles and missing services, failing only that service; a base with depends_on is fine (compose-go v2)", async () => {
    const res = await resolve({
      "compose.yaml": `services:
  a:
    extends: b
    build: .
  b:
    extends: { file: other.yaml, service: c }
  ok:
    build: .
  lost:
    extends: nowhere
  needs:
    extends: withdeps
  withdeps:
    image: x
    depends_on: [ok]
`,
      "other.yaml": "services:\n  c:\n    extends: { file: compose.yaml, service: a }\n",
    });
    expect(res.problems).toEqual([]);
    expect(built(res, "ok").repositoryName).toBe("ok");
    expect(problems(res, "a")[0]).toMatchObject({ file: "compose.yaml", line: 3, key: "services.a.extends", message: expect.stringMatching(/circular extends: compose\.yaml service a → compose\.yaml service b → other\.yaml service c → compose\.yaml service a/) });
    expect(problems(res, "b")[0].message).toMatch(/circular extends/);
    expect(problems(res, "lost")[0].message).toMatch(/cannot extend service "nowhere" in compose\.yaml: service not found/);
    expect(svc(res, "needs")).toMatchObject({ status: "not-built", reason: "no-build" });
  });
});

describe("include", () => {
  it("loads each include as its own project: its paths and its .env are its own, the includer's variables win", async () => {
    const res = await resolve({
      "compose.yaml": "include:\n  - libs/db/compose.yaml\n  - path: tools/compose.yaml\n    project_directory: tools/src\n    env_file: tools/tools.env\nservices:\n  web:\n    build: ./web\n",
      ".env": "DB_TAG=from-root\n",
      "libs/db/compose.yaml": "services:\n  db:\n    build:\n      context: ./image\n      args:\n        - X=${DB_ONLY}\n    image: db:${DB_TAG}\n",
      "libs/db/.env": "DB_TAG=from-include\nDB_ONLY=only-here\n",
      "tools/compose.yaml": "services:\n  tools:\n    build:\n      context: .\n      args: { V: '${TOOLS_VERSION}' }\n",
      "tools/tools.env": "TOOLS_VERSION=7\n",
    });
    expect(res.problems).toEqual([]);
    expect(res.services.map((s) => s.service)).toEqual(["web", "db", "tools"]);
    expect(built(res, "db")).toMatchObject({ context: "libs/db/image", repositoryName: "db", image: "db:from-root", args: { X: "only-here" } });
    expect(built(res, "tools")).toMatchObject({ context: "tools/src", args: { V: "7" } });
  });

  it("include cycles and paths outside the repository are project problems; a clash fails the service", async () => {
    const cycle = await resolve({
      "compose.yaml": "include: [a/compose.yaml]\nservices:\n  web:\n    build: .\n",
      "a/compose.yaml": "include: [../compose.yaml]\nservices:\n  x:\n    build: .\n",
    });
    expect(cycle.problems.map((p) => p.message)).toEqual([expect.stringMatching(/include cycle: compose\.yaml → a\/compose\.yaml → compose\.yaml/)]);
    const outside = await resolve({ "compose.yaml": "include: [../../elsewhere/compose.yaml]\nservices:\n  web:\n    build: .\n" });
    expect(outside.problems[0]).toMatchObject({ file: "compose.yaml", line: 1, message: expect.stringMatching(/must be a relative path inside the repository/) });
    expect(outside.reads.some((p) => p.includes("elsewhere"))).toBe(false);
    const clash = await resolve({
      "compose.yaml": "include: [lib/compose.yaml]\nservices:\n  web:\n    build: .\n  db:\n    image: mine\n",
      "lib/compose.yaml": "services:\n  db:\n    image: theirs\n",
    });
    expect(built(clash, "web").repositoryName).toBe("web");
    expect(problems(clash, "db")[0]).toMatchObject({ line: 5, message: expect.stringMatching(/services\.db is defined both here and in the included lib\/compose\.yaml/) });
  });
});

describe("interpolation and the worker's environment", () => {
  it("a missing required variable fails its service with file, line and key; the others build", async () => {
    const res = await resolve({
      "compose.yaml": "services:\n  api:\n    build: .\n    image: ${REGISTRY:?set REGISTRY in .env}/api\n  web:\n    build: ./web\n  price:\n    build:\n      context: .\n      args: [COST=$5]\n",
    });
    expect(res.problems).toEqual([]);
    expect(built(res, "web").repositoryName).toBe("web");
    expect(problems(res, "api")).toEqual([
      { file: "compose.yaml", line: 4, column: 5, key: "services.api.image", message: "services.api.image: required variable REGISTRY is missing a value: set REGISTRY in .env" },
    ]);
    expect(problems(res, "price")[0]).toMatchObject({ key: "services.price.build.args[0]", message: expect.stringMatching(/invalid interpolation format "COST=\$5" \(write \$\$ for a literal \$\)/) });
  });

  it("an interpolation error outside services fails the project", async () => {
    const res = await resolve({ "compose.yaml": "name: ${PROJECT:?name the project}\nservices:\n  api:\n    build: .\n" });
    expect(res.problems).toEqual([{ file: "compose.yaml", line: 1, column: 1, key: "name", message: "name: required variable PROJECT is missing a value: name the project" }]);
  });

  it("never reads the worker's own environment", async () => {
    process.env.DECKHAND_COMPOSE_LEAK_TEST = "leaked";
    try {
      const res = await resolve({ "compose.yaml": "services:\n  api:\n    build:\n      context: .\n      args:\n        - X=${DECKHAND_COMPOSE_LEAK_TEST:-safe}\n        - DECKHAND_COMPOSE_LEAK_TEST\n" });
      expect(built(res, "api").args).toEqual({ X: "safe" });
      expect(built(res, "api").notes).toEqual([expect.stringMatching(/build arg DECKHAND_COMPOSE_LEAK_TEST has no value/)]);
    } finally {
      delete process.env.DECKHAND_COMPOSE_LEAK_TEST;
    }
  });

  it("a malformed .env fails the project at its line", async () => {
    const res = await resolve({ ".env": "OK=1\nBROKEN='open\n", "compose.yaml": "services:\n  a1:\n    build: .\n" });
    expect(res.problems).toEqual([{ file: ".env", line: 2, message: "unterminated quoted value for BROKEN" }]);
  });
});

describe("nothing dropped in silence: unsupported and invalid keys", () => {
  it("a build key Deckhand does not build fails that service with file, line and key; cache hints are noted", async () => {
    const res = await resolve({
      "compose.yaml": "services:\n  api:\n    build:\n      context: .\n      ssh: [default]\n      network: host\n  web:\n    build:\n      context: ./web\n      cache_from: [type=registry,ref=x]\n",
    });
    expect(problems(res, "api").map((p) => [p.line, p.key])).toEqual([
      [5, "services.api.build.ssh"],
      [6, "services.api.build.network"],
    ]);
    expect(problems(res, "api")[0].message).toMatch(/services\.api\.build\.ssh: not supported by Deckhand's builder/);
    expect(built(res, "web").notes).toEqual([expect.stringMatching(/build\.cache_from not used/)]);
  });

  it("keys outside the specification: in a service they fail it, at the top level the project", async () => {
    const res = await resolve({ "compose.yaml": "services:\n  api:\n    build: .\n    buidl: typo\n  ok:\n    build: ./ok\n" });
    expect(problems(res, "api")).toEqual([{ file: "compose.yaml", line: 4, column: 5, key: "services.api.buidl", message: "services.api.buidl is not a key of the Compose Specification" }]);
    expect(svc(res, "ok").status).toBe("build");
    const top = await resolve({ "compose.yaml": "servces: {}\nservices:\n  api:\n    build: .\n" });
    expect(top.problems).toEqual([{ file: "compose.yaml", line: 1, column: 1, key: "servces", message: "servces is not a key of the Compose Specification" }]);
  });

  it("newer run-time keys (models, use_api_socket) pass; newer build keys (provenance) fail the service", async () => {
    const res = await resolve({
      "compose.yaml": "models:\n  llm:\n    model: ai/smollm2\nservices:\n  app:\n    build: .\n    models: [llm]\n    use_api_socket: true\n  attest:\n    build:\n      context: ./a\n      provenance: true\n",
    });
    expect(res.problems).toEqual([]);
    expect(svc(res, "app").status).toBe("build");
    expect(problems(res, "attest")[0]).toMatchObject({ line: 12, key: "services.attest.build.provenance" });
  });

  it("says why each service is not built", async () => {
    const res = await resolve({ "compose.yaml": "services:\n  db:\n    image: postgres:16\n  api:\n    build: .\n" });
    expect(svc(res, "db")).toMatchObject({ status: "not-built", reason: "no-build", message: expect.stringMatching(/no build: section/) });
  });
});

describe("build keys", () => {
  it("platforms, labels, additional contexts, no_cache, pull", async () => {
    const res = await resolve({
      "compose.yaml": `services:
  multi:
    build:
      context: ./m
      platforms: [linux/amd64, linux/ARM64, linux/amd64]
      labels: { org.opencontainers.image.title: multi }
      additional_contexts:
        shared: ./shared
        alpine: docker-image://alpine:3.20
      no_cache: "true"
      pull: false
    platform: linux/arm64
  wrong:
    build:
      context: .
      platforms: [linux/amd64]
    platform: linux/arm64
  weird:
    build:
      context: .
      additional_contexts: [other=service:multi]
    platform: arm64
`,
    });
    expect(built(res, "multi")).toMatchObject({
      platforms: ["linux/amd64", "linux/arm64"],
      labels: { "org.opencontainers.image.title": "multi" },
      additionalContexts: { shared: "shared", alpine: "docker-image://alpine:3.20" },
      noCache: true,
      pull: false,
    });
    expect(problems(res, "wrong")[0].message).toMatch(/"linux\/arm64" is not one of build\.platforms \(linux\/amd64\)/);
    expect(problems(res, "weird").map((p) => p.key).sort()).toEqual(["services.weird.build.additional_contexts.0", "services.weird.platform"]);
  });

  it("dockerfile and dockerfile_inline together, and remote contexts, are refused", async () => {
    const res = await resolve({
      "compose.yaml": "services:\n  both:\n    build:\n      dockerfile: Dockerfile\n      dockerfile_inline: FROM scratch\n  remote:\n    build: https://github.com/acme/api.git#main\n  git:\n    build:\n      context: git@github.com:acme/api.git\n",
    });
    expect(problems(res, "both")[0].message).toMatch(/mutually exclusive/);
    expect(problems(res, "remote")[0]).toMatchObject({ line: 7, message: expect.stringMatching(/remote build context "https:\/\/github\.com\/acme\/api\.git#main" refused/) });
    expect(problems(res, "git")[0].line).toBe(10);
  });

  it("build secrets come from files: the plan names the file, never its content", async () => {
    const res = await resolve({
      "compose.yaml": `services:
  api:
    build:
      context: .
      secrets:
        - npmrc
        - source: token
          target: gh_token
  envsecret:
    build:
      context: .
      secrets: [fromenv]
  missing:
    build:
      context: .
      secrets: [gone, undefined_one]
secrets:
  npmrc:
    file: ./secrets/npmrc
  token:
    file: secrets/token.txt
  fromenv:
    environment: GH_TOKEN
  gone:
    file: ./secrets/gone
`,
      "secrets/npmrc": "//registry.npmjs.org/:_authToken=SUPERSECRET-NPM\n",
      "secrets/token.txt": "SUPERSECRET-GH\n",
    });
    expect(built(res, "api").secrets).toEqual([
      { id: "npmrc", file: "secrets/npmrc" },
      { id: "gh_token", file: "secrets/token.txt" },
    ]);
    expect(JSON.stringify(res)).not.toMatch(/SUPERSECRET/);
    expect(problems(res, "envsecret")[0].message).toMatch(/must come from a file/);
    expect(problems(res, "missing").map((p) => p.message)).toEqual([
      expect.stringMatching(/secret "gone" file secrets\/gone not found/),
      expect.stringMatching(/secret "undefined_one" is not defined/),
    ]);
    expect(res.reads).toEqual(expect.arrayContaining(["secrets/npmrc", "secrets/token.txt", "secrets/gone"]));
  });

  it("secret ids and additional context names that could smuggle builder flags fail the service at their line", async () => {
    const res = await resolve({
      "compose.yaml": `services:
  api:
    build:
      context: .
      secrets:
        - source: npmrc
          target: "x,src=/etc/shadow"
  web:
    build:
      context: .
      additional_contexts:
        "a=b": ./lib
secrets:
  npmrc:
    file: ./npmrc
`,
      npmrc: "t\n",
      "lib/x": "x\n",
    });
    expect(problems(res, "api")[0]).toMatchObject({ line: 6, key: "services.api.build.secrets.0", message: expect.stringMatching(/secret id "x,src=\/etc\/shadow" must be letters/) });
    expect(problems(res, "web")[0]).toMatchObject({ line: 12, key: "services.web.build.additional_contexts.a=b" });
  });
});

describe("project name and reads", () => {
  it("name:, COMPOSE_PROJECT_NAME, or the default, normalised as Compose does", async () => {
    expect((await resolve({ "compose.yaml": "name: shop\nservices:\n  a1:\n    build: .\n" })).projectName).toBe("shop");
    expect((await resolve({ "compose.yaml": "services:\n  a1:\n    build: .\n", ".env": "COMPOSE_PROJECT_NAME=My.Shop\n" })).projectName).toBe("myshop");
    expect((await resolve({ "compose.yaml": "services:\n  a1:\n    build: .\n" }, { defaultProjectName: "_Mcp-Servers" })).projectName).toBe("mcp-servers");
    const bad = await resolve({ "compose.yaml": "name: My Shop\nservices:\n  a1:\n    build: .\n" });
    expect(bad.problems[0]).toMatchObject({ line: 1, key: "name", message: expect.stringMatching(/must contain only lowercase letters/) });
  });

  it("a compose file that is a symbolic link out of the checkout is refused, not read", async () => {
    const r = repo({ "real.yaml": "services:\n  a1:\n    build: .\n" });
    fs.symlinkSync("/etc/hostname", path.join(r.root, "compose.yaml"));
    const res = await resolveComposeProject({ read: r.read });
    expect(res.problems).toEqual([{ file: "compose.yaml", message: expect.stringMatching(/cannot be read: compose\.yaml: resolves through a symbolic link to .*, outside the repository/) }]);
  });

  it("reads nothing but through the reader, and each file once", async () => {
    const res = await resolve({
      "compose.yaml": "services:\n  a1:\n    extends: { file: t.yaml, service: t }\n  a2:\n    extends: { file: t.yaml, service: t }\n",
      "t.yaml": "services:\n  t:\n    build: .\n",
      ".env": "X=1\n",
    });
    expect(res.services.map((s) => s.status)).toEqual(["build", "build"]);
    expect(res.reads.filter((p) => p === "t.yaml")).toHaveLength(1);
    expect(res.reads).toEqual([".env", "compose.yaml", "compose.override.yml", "compose.override.yaml", "docker-compose.override.yml", "docker-compose.override.yaml", "t.yaml"]);
  });
});

describe(".env as docker compose reads it (cmd/compose/compose.go toProjectOptions, compose-go cli.WithDotEnv)", () => {
  it("COMPOSE_FILE in the root .env naming a file in a subdirectory: that directory's .env is read too, the root's values win", async () => {
    const res = await resolve({
      ".env": "COMPOSE_FILE=deploy/compose.yaml\nTAG=from-root\n",
      "deploy/.env": "TAG=from-deploy\nWEB_IMAGE=123456789012.dkr.ecr.us-east-1.amazonaws.com/storefront/web\nCOMPOSE_PROFILES=tools\n",
      "deploy/compose.yaml": "services:\n  web:\n    build: .\n    image: ${WEB_IMAGE:-web}:${TAG}\n  tools:\n    build: ./tools\n    profiles: [tools]\n",
    });
    expect(res.problems).toEqual([]);
    expect(built(res, "web")).toMatchObject({ repositoryName: "storefront/web", image: "123456789012.dkr.ecr.us-east-1.amazonaws.com/storefront/web:from-root", context: "deploy" });
    expect(svc(res, "tools").status).toBe("build");
  });

  it("several env files: a later one sees what an earlier one set (compose-go dotenv.GetEnvFromFile)", async () => {
    const res = await resolve(
      { "a.env": "REGISTRY=team\n", "b.env": "WEB_IMAGE=${REGISTRY}/web\n", "compose.yaml": "services:\n  web:\n    build: .\n    image: ${WEB_IMAGE}\n" },
      { envFiles: ["a.env", "b.env"] },
    );
    expect(built(res, "web").repositoryName).toBe("team/web");
  });

  it("only variables count: constructor, toString, hasOwnProperty are unset names, not Object.prototype's members", async () => {
    const res = await resolve({
      "compose.yaml": "services:\n  web:\n    build:\n      context: .\n      args:\n        A: ${constructor}\n        B: x${toString:-unset}\n        hasOwnProperty:\n",
      "lib/compose.yaml": "services:\n  lib:\n    build:\n      context: .\n      args:\n        C: ${valueOf}\n",
    });
    expect(built(res, "web").args).toEqual({ A: "", B: "xunset" });
    const included = await resolve({
      ".env": "TAG=1\n",
      "compose.yaml": "include: [lib/compose.yaml]\nservices:\n  web:\n    build: .\n",
      "lib/compose.yaml": "services:\n  lib:\n    build:\n      context: .\n      args:\n        C: ${valueOf}\n        D: ${TAG}\n",
    });
    expect(built(included, "lib").args).toEqual({ C: "", D: "1" });
  });

  it("COMPOSE_PROJECT_NAME wins over name: (compose-go cli.withNamePrecedenceLoad)", async () => {
    const res = await resolve({ ".env": "COMPOSE_PROJECT_NAME=other\n", "compose.yaml": "name: shop\nservices:\n  web:\n    build: .\n" });
    expect(res.projectName).toBe("other");
  });
});

describe("extends and include, as compose-go v2 loads them (loader/extends.go, loader/include.go)", () => {
  it("a base with depends_on is extended, and the extending service keeps the dependency", async () => {
    const res = await resolve({
      "compose.yaml": "services:\n  api:\n    extends: { file: common/base.yaml, service: app }\n    image: shop-api\n  db:\n    image: postgres:16\n",
      "common/base.yaml": "services:\n  app:\n    build: ./app\n    depends_on: [db]\n    links: [db]\n",
    });
    expect(res.problems).toEqual([]);
    expect(built(res, "api")).toMatchObject({ repositoryName: "shop-api", context: "common/app" });
  });

  it("two includes defining the same network and volume the same way do not conflict; different definitions do", async () => {
    const shared = "networks:\n  backend:\n    external: true\nvolumes:\n  cache: {}\n";
    const res = await resolve({
      "compose.yaml": "include:\n  - a/compose.yaml\n  - b/compose.yaml\nservices:\n  web:\n    build: .\n",
      "a/compose.yaml": `services:\n  aa:\n    build: .\n${shared}`,
      "b/compose.yaml": `services:\n  bb:\n    build: .\n${shared}`,
    });
    expect(res.problems).toEqual([]);
    expect(res.services.map((s) => s.status)).toEqual(["build", "build", "build"]);
    const clash = await resolve({
      "compose.yaml": "include:\n  - a/compose.yaml\n  - b/compose.yaml\nservices:\n  web:\n    build: .\n",
      "a/compose.yaml": "services:\n  aa:\n    build: .\nnetworks:\n  backend:\n    external: true\n",
      "b/compose.yaml": "services:\n  bb:\n    build: .\nnetworks:\n  backend:\n    driver: bridge\n",
    });
    expect(clash.problems[0].message).toMatch(/networks\.backend is defined both here and in the included b\/compose\.yaml/);
  });

  it("include env_file: /dev/null means no .env; several env files chain; paths of a project_directory", async () => {
    const res = await resolve({
      "compose.yaml": "include:\n  - path: [lib/compose.yaml, lib/override.yaml]\n    project_directory: lib\n    env_file: [lib/a.env, lib/b.env]\n  - path: tools/compose.yaml\n    env_file: /dev/null\n",
      "lib/compose.yaml": "services:\n  lib:\n    build: ./src\n    image: team/lib:${VERSION}\n",
      "lib/override.yaml": "services:\n  lib:\n    build:\n      target: prod\n",
      "lib/a.env": "MAJOR=1\n",
      "lib/b.env": "VERSION=${MAJOR}.2\n",
      "tools/compose.yaml": "services:\n  tools:\n    build: .\n    image: team/tools:${TOOLS_TAG:-none}\n",
      "tools/.env": "TOOLS_TAG=never-read\n",
    });
    expect(res.problems).toEqual([]);
    expect(built(res, "lib")).toMatchObject({ context: "lib/src", target: "prod", image: "team/lib:1.2" });
    expect(built(res, "tools").image).toBe("team/tools:none");
    expect(res.reads).not.toContain("tools/.env");
  });
});

describe("image: and platforms as docker compose build uses them", () => {
  it("an image reference an unset variable broke fails its service naming image:; an empty image: is the service name", async () => {
    const res = await resolve({
      "compose.yaml":
        "services:\n  web:\n    build: .\n    image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/storefront/web:${TAG}\n  api:\n    build: ./api\n    image: ${REGISTRY}/team/api\n  worker:\n    build: ./worker\n    image: ${WORKER_IMAGE}\n  ok:\n    build: ./ok\n    image: localhost:5000/team/ok:1.2@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n",
    });
    expect(problems(res, "web")).toEqual([
      expect.objectContaining({ line: 4, key: "services.web.image", message: expect.stringMatching(/"123456789012\.dkr\.ecr\.us-east-1\.amazonaws\.com\/storefront\/web:" is not a valid image reference/) }),
    ]);
    expect(problems(res, "api")[0]).toMatchObject({ key: "services.api.image", message: expect.stringMatching(/"\/team\/api" is not a valid/) });
    expect(built(res, "worker")).toMatchObject({ repositoryName: "worker", image: undefined });
    expect(built(res, "ok").repositoryName).toBe("team/ok");
    const tagged = await resolve({ ".env": "TAG=2.4.1\n", "compose.yaml": "services:\n  web:\n    build: .\n    image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/storefront/web:${TAG}\n" });
    expect(built(tagged, "web").repositoryName).toBe("storefront/web");
  });

  it("DOCKER_DEFAULT_PLATFORM from .env is the build platform (docker compose pkg/compose/build.go useDockerDefaultPlatform)", async () => {
    const res = await resolve({
      ".env": "DOCKER_DEFAULT_PLATFORM=linux/arm64\n",
      "compose.yaml": `services:
  plain:
    build: ./plain
  same:
    build: ./same
    platform: linux/arm64
  other:
    build: ./other
    platform: linux/amd64
  listed:
    build:
      context: ./listed
      platforms: [linux/amd64, linux/arm64]
  unlisted:
    build:
      context: ./unlisted
      platforms: [linux/amd64]
`,
    });
    expect(built(res, "plain").platforms).toEqual(["linux/arm64"]);
    expect(built(res, "same").platforms).toEqual(["linux/arm64"]);
    expect(problems(res, "other")[0]).toMatchObject({ key: "services.other.platform", message: expect.stringMatching(/"linux\/amd64" differs from DOCKER_DEFAULT_PLATFORM "linux\/arm64"/) });
    expect(built(res, "listed").platforms).toEqual(["linux/amd64", "linux/arm64"]);
    expect(problems(res, "unlisted")[0]).toMatchObject({ key: "services.unlisted.build.platforms", message: expect.stringMatching(/DOCKER_DEFAULT_PLATFORM "linux\/arm64" \(from the environment or \.env\) is not one of build\.platforms \(linux\/amd64\)/) });
  });

  it("build.platforms spelling one platform twice (arm64's default variant is v8, amd64's v1) builds it once, first spelling kept", async () => {
    const res = await resolve({
      "compose.yaml": `services:
  arm:
    build:
      context: .
      platforms: [linux/arm64, linux/arm64/v8, linux/amd64/v1, linux/amd64, linux/arm/v7, linux/arm/v6]
    platform: linux/arm64/v8
`,
    });
    const plan = built(res, "arm");
    expect(plan.platforms).toEqual(["linux/arm64", "linux/amd64/v1", "linux/arm/v7", "linux/arm/v6"]);
    expect(plan.notes).toEqual([
      "build.platforms: linux/arm64/v8 is linux/arm64 (the default variant), built once",
      "build.platforms: linux/amd64 is linux/amd64/v1 (the default variant), built once",
    ]);
  });

  it("platform with a variant, interpolated from .env; build.platforms alone", async () => {
    const res = await resolve({
      ".env": "PLATFORM=linux/arm/v7\n",
      "compose.yaml": "services:\n  pi:\n    build: ./pi\n    platform: ${PLATFORM}\n  multi:\n    build:\n      context: ./multi\n      platforms: [linux/amd64, linux/arm64]\n",
    });
    expect(built(res, "pi").platforms).toEqual(["linux/arm/v7"]);
    expect(built(res, "multi").platforms).toEqual(["linux/amd64", "linux/arm64"]);
  });
});

/** An environment file of `count` variables PREFIX_0 … PREFIX_{count-1}. */
function manyVariables(count: number, prefix: string): string {
  return Array.from({ length: count }, (_, i) => `${prefix}_${i}=value-${i}`).join("\n") + "\n";
}

describe("hostile projects: refused with a problem naming the key and the bound (COMPOSE_LIMITS)", () => {
  const bigEnv = manyVariables(20000, "V");
  const lib = { "lib/compose.yaml": "services:\n  lib:\n    build: .\n" };

  it("include env_file × 1000 over a 20,000-variable .env (the security review's case)", async () => {
    const res = await resolve({
      ...lib,
      ".env": bigEnv,
      "compose.yaml": `include:\n  - path: lib/compose.yaml\n    env_file: [${Array(1000).fill("lib/a.env").join(", ")}]\nservices:\n  web:\n    build: .\n`,
      "lib/a.env": "A=1\n",
    });
    expect(res.problems).toEqual([
      expect.objectContaining({ file: "compose.yaml", line: 2, key: "include[0].env_file", message: `include[0].env_file: 1000 files; Deckhand reads at most ${COMPOSE_LIMITS.envFilesPerInclude} per include` }),
    ]);
  });

  it("an env file or a path listed twice in one include is refused; Compose would read it again for nothing", async () => {
    const env = await resolve({ ...lib, "compose.yaml": "include:\n  - path: lib/compose.yaml\n    env_file: [lib/a.env, ./lib/a.env]\n", "lib/a.env": "A=1\n" });
    expect(env.problems.map((p) => p.message)).toEqual(["include[0].env_file: lists lib/a.env twice; list each file once"]);
    const path = await resolve({ ...lib, "compose.yaml": "include:\n  - path: [lib/compose.yaml, lib/../lib/compose.yaml]\n" });
    expect(path.problems.map((p) => p.message)).toEqual(["include[0].path: lists lib/compose.yaml twice (entries 0 and 1); list each file once"]);
    const paths = await resolve({ ...lib, "compose.yaml": `include:\n  - path: [${Array(65).fill("lib/compose.yaml").join(", ")}]\n` });
    expect(paths.problems.map((p) => p.message)).toEqual([`include[0].path: 65 files; Deckhand reads at most ${COMPOSE_LIMITS.pathsPerInclude} per include`]);
  });

  it("include × 1000 over a 20,000-variable .env", async () => {
    const res = await resolve({ ...lib, ".env": bigEnv, "compose.yaml": `include: [${Array(1000).fill("lib/compose.yaml").join(", ")}]\nservices:\n  web:\n    build: .\n` });
    expect(res.problems).toEqual([
      expect.objectContaining({ file: "compose.yaml", line: 1, key: "include", message: `include: 1000 entries; Deckhand loads at most ${COMPOSE_LIMITS.includes} includes in a project` }),
    ]);
  });

  it("the same include written again is loaded once (compose-go importResource skips equal resources): no problem", async () => {
    const res = await resolve({ ...lib, "compose.yaml": "include: [lib/compose.yaml, ./lib/compose.yaml, {path: lib/compose.yaml}]\nservices:\n  web:\n    build: .\n" });
    expect(res.problems).toEqual([]);
    expect(res.services.map((s) => `${s.service}:${s.status}`)).toEqual(["web:build", "lib:build"]);
  });

  it("includes fanning out (each level including the next twice, with and without its .env) stop at the bound", async () => {
    const files: Record<string, string> = { "compose.yaml": "include:\n  - path: l1/compose.yaml\n  - path: l1/compose.yaml\n    env_file: /dev/null\n" };
    for (let k = 1; k <= 8; k++) {
      const next = k < 8 ? `include:\n  - path: ../l${k + 1}/compose.yaml\n  - path: ../l${k + 1}/compose.yaml\n    env_file: /dev/null\n` : "";
      files[`l${k}/compose.yaml`] = `${next}services:\n  s${k}:\n    image: alpine\n`;
    }
    const res = await resolve(files);
    expect(res.problems).toEqual([
      expect.objectContaining({ message: expect.stringMatching(new RegExp(`^include\\[\\d\\]: more than ${COMPOSE_LIMITS.includes} includes in this project \\(nested ones counted\\)`)) }),
    ]);
  });

  it("env files named by includes stop at the bound across the project", async () => {
    const names = Array.from({ length: COMPOSE_LIMITS.envFilesPerInclude }, (_, i) => `env/${i}.env`);
    const files: Record<string, string> = Object.fromEntries(names.map((n, i) => [n, `E${i}=1\n`]));
    const entries = Array.from({ length: 5 }, (_, i) => `  - path: lib${i}/compose.yaml\n    env_file: [${names.join(", ")}]\n`);
    for (let i = 0; i < 5; i++) files[`lib${i}/compose.yaml`] = `services:\n  lib${i}:\n    build: .\n`;
    files["compose.yaml"] = `include:\n${entries.join("")}`;
    const res = await resolve(files);
    expect(res.problems).toEqual([
      expect.objectContaining({ key: "include[4].env_file", message: `include[4].env_file: more than ${COMPOSE_LIMITS.envFiles} env files named by the includes of this project: Deckhand reads at most ${COMPOSE_LIMITS.envFiles}` }),
    ]);
  });

  it("COMPOSE_FILE × 1000, and a file COMPOSE_FILE lists twice", async () => {
    const many = await resolve({ ".env": `${bigEnv}COMPOSE_FILE=${Array(1000).fill("a.yaml").join(":")}\n`, "a.yaml": "services:\n  web:\n    build: .\n" });
    expect(many.problems).toEqual([{ file: ".env", key: "COMPOSE_FILE", message: `COMPOSE_FILE: 1000 files; Deckhand reads at most ${COMPOSE_LIMITS.composeFiles}` }]);
    const twice = await resolve({ "a.yaml": "services:\n  web:\n    build: .\n", "b.yaml": "services:\n  web:\n    image: x\n" }, { env: { COMPOSE_FILE: "a.yaml:b.yaml:./a.yaml" } });
    expect(twice.problems).toEqual([{ file: "COMPOSE_FILE", key: "COMPOSE_FILE", message: "COMPOSE_FILE: lists a.yaml twice (entries 0 and 2); list each file once" }]);
  });

  it("a large legitimate project (200 services in 20 includes, a 2,000-variable .env) is within every bound", async () => {
    const files: Record<string, string> = { ".env": `${manyVariables(2000, "ROOT")}TAG=1.2.3\n` };
    for (let i = 0; i < 20; i++) {
      files[`svc${i}/.env`] = manyVariables(50, `S${i}`);
      files[`svc${i}/compose.yaml`] = `services:\n${Array.from({ length: 10 }, (_, j) => `  s${i}-${j}:\n    image: team/s${i}-${j}:\${TAG}\n    build:\n      context: ./app${j}\n      args:\n        A: \${S${i}_${j}}\n`).join("")}`;
    }
    files["compose.yaml"] = `include:\n${Array.from({ length: 20 }, (_, i) => `  - svc${i}/compose.yaml\n`).join("")}services:\n  web:\n    build: .\n`;
    const res = await resolve(files);
    expect(res.problems).toEqual([]);
    expect(res.services.filter((s) => s.status === "build")).toHaveLength(201);
    expect(built(res, "s19-9")).toMatchObject({ image: "team/s19-9:1.2.3", context: "svc19/app9", args: { A: "value-9" } });
  });
});
