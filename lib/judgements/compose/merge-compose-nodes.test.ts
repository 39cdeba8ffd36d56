import { describe, expect, it } from "vitest";
import { emptyMap, parseComposeYaml, toPlain, type ComposeMap } from "./compose-node";
import { mergeComposeNodes } from "./merge-compose-nodes";

function yaml(text: string, file = "f.yaml"): ComposeMap {
  const r = parseComposeYaml(file, text);
  if ("problem" in r) throw new Error(r.problem.message);
  return r.root;
}
/** The files merged in order over an empty model, as the loader does. */
const merge = (...texts: string[]) =>
  toPlain(texts.map((t, i) => yaml(t, `f${i}.yaml`)).reduce((a, b) => mergeComposeNodes(a, b, []) as ComposeMap, emptyMap({ file: "-", line: 1, column: 1 })));

describe("mergeComposeNodes: the Compose Specification's merge examples (13-merge.md)", () => {
  it("mappings add missing entries and merge conflicting ones", () => {
    expect(merge("services:\n  foo:\n    key1: value1\n    key2: value2\n", "services:\n  foo:\n    key2: VALUE\n    key3: value3\n")).toEqual({
      services: { foo: { key1: "value1", key2: "VALUE", key3: "value3" } },
    });
  });

  it("sequences append", () => {
    expect(merge("services:\n  foo:\n    DNS:\n      - 1.1.1.1\n", "services:\n  foo:\n    DNS:\n      - 8.8.8.8\n")).toEqual({
      services: { foo: { DNS: ["1.1.1.1", "8.8.8.8"] } },
    });
  });

  it("command, entrypoint and healthcheck.test are replaced", () => {
    expect(
      merge(
        'services:\n  foo:\n    command: ["echo", "foo"]\n    entrypoint: [a]\n    healthcheck: { test: [CMD, a], interval: 5s }\n',
        'services:\n  foo:\n    command: ["echo", "bar"]\n    entrypoint: [b]\n    healthcheck: { test: [CMD, b] }\n',
      ),
    ).toEqual({ services: { foo: { command: ["echo", "bar"], entrypoint: ["b"], healthcheck: { test: ["CMD", "b"], interval: "5s" } } } });
  });

  it("volumes and secrets are unique by target", () => {
    expect(merge("services:\n  foo:\n    volumes:\n      - foo:/work\n    secrets: [a]\n", "services:\n  foo:\n    volumes:\n      - bar:/work\n    secrets: [a, b]\n")).toEqual({
      services: { foo: { volumes: ["bar:/work"], secrets: ["a", "b"] } },
    });
  });

  it("!reset removes, !override replaces", () => {
    const base = 'services:\n  app:\n    image: myapp\n    ports:\n      - "8080:80"\n    environment:\n      FOO: BAR\n';
    expect(merge(base, "services:\n  app:\n    image: myapp\n    ports: !reset []\n    environment:\n      FOO: !reset null\n")).toEqual({
      services: { app: { image: "myapp" } },
    });
    expect(merge(base, 'services:\n  app:\n    ports: !override\n      - "8443:443"\n')).toEqual({
      services: { app: { image: "myapp", ports: ["8443:443"], environment: { FOO: "BAR" } } },
    });
    // A reset in the first file leaves nothing behind either.
    expect(merge("services:\n  app:\n    image: a\n    ports: !reset []\n")).toEqual({ services: { app: { image: "a" } } });
  });
});

describe("mergeComposeNodes: build and the list-or-dict keys (compose-go rules)", () => {
  it("a short build is { context } before merging, and args merge key by key in either form", () => {
    expect(
      merge(
        "services:\n  api:\n    build: ./api\n",
        "services:\n  api:\n    build:\n      args:\n        B: 2\n        A: 1\n      target: prod\n",
        "services:\n  api:\n    build:\n      args:\n        - A=10\n        - C\n",
      ),
    ).toEqual({ services: { api: { build: { context: "./api", args: ["A=10", "B=2", "C"], target: "prod" } } } });
  });

  it("labels and environment: a later key replaces the earlier one where it stood", () => {
    expect(merge("services:\n  a:\n    labels: [x=1, y=2]\n", "services:\n  a:\n    labels:\n      x: 3\n")).toEqual({ services: { a: { labels: ["x=3", "y=2"] } } });
  });

  it("depends_on merges as a mapping whatever form each file uses", () => {
    expect(merge("services:\n  a:\n    depends_on: [db]\n", "services:\n  a:\n    depends_on:\n      cache:\n        condition: service_healthy\n")).toEqual({
      services: { a: { depends_on: { db: { condition: "service_started", required: true }, cache: { condition: "service_healthy" } } } },
    });
  });

  it("a null in the later file leaves the value, and keeps positions of the value that won", () => {
    const a = yaml("services:\n  a:\n    image: x\n", "base.yaml");
    const b = yaml("services:\n  a:\n    image:\n    platform: linux/arm64\n", "override.yaml");
    const m = mergeComposeNodes(a, b, []) as ComposeMap;
    expect(toPlain(m)).toEqual({ services: { a: { image: "x", platform: "linux/arm64" } } });
    const svc = (m.entries.get("services") as ComposeMap).entries.get("a") as ComposeMap;
    expect(svc.entries.get("image")?.at).toMatchObject({ file: "base.yaml", line: 3 });
    expect(svc.entries.get("platform")?.at).toMatchObject({ file: "override.yaml", line: 4 });
  });
});
