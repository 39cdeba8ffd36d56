import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "./env";

const live = {
  DECKHAND_MODE: "live",
  DECKHAND_URL: "https://deckhand.example.com",
  GITHUB_REPOSITORY: "acme/mcp-servers",
  GITHUB_TOKEN: "ghp_x",
  GITHUB_OAUTH_CLIENT_ID: "id",
  GITHUB_OAUTH_CLIENT_SECRET: "secret",
  NEXTAUTH_SECRET: "x".repeat(32),
  DECKHAND_OPERATORS: "alice, bob",
};

function settingOf(env: Record<string, string>): string {
  try {
    parseConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.setting;
    throw err;
  }
  throw new Error("expected a ConfigError");
}

describe("parseConfig", () => {
  it("defaults to sandbox mode with the sandbox's people and repository", () => {
    const c = parseConfig({});
    expect(c.mode).toBe("sandbox");
    expect(c.port).toBe(3000);
    expect(c.operators).toEqual(["octo-operator"]);
    expect(c.viewers).toEqual(["octo-viewer"]);
    expect(c.github.repository).toBe("acme/mcp-servers");
    expect(c.github.apiUrl).toBe("http://127.0.0.1:4566/api/v3");
    expect(c.aws.endpoint).toBe("http://127.0.0.1:4566");
    expect(c.url).toBe("http://localhost:3000");
  });

  it("follows SANDBOX_PORT for every sandbox URL", () => {
    const c = parseConfig({ SANDBOX_PORT: "4600", PORT: "3100" });
    expect(c.github.apiUrl).toBe("http://127.0.0.1:4600/api/v3");
    expect(c.github.webUrl).toBe("http://127.0.0.1:4600");
    expect(c.url).toBe("http://localhost:3100");
  });

  it("accepts a complete live configuration and splits the login lists", () => {
    const c = parseConfig(live);
    expect(c.mode).toBe("live");
    expect(c.operators).toEqual(["alice", "bob"]);
    expect(c.github.webUrl).toBe("https://github.com");
    expect(c.aws.endpoint).toBeUndefined();
    expect(c.aws.credentials).toBeUndefined();
  });

  it("live mode names the AWS endpoints the SDK is pointed at: AWS_ENDPOINT_URL, per-service ones winning", () => {
    expect(parseConfig(live).aws.endpointOverrides).toEqual([]);
    const c = parseConfig({ ...live, AWS_ENDPOINT_URL: "http://localhost:4566", AWS_ENDPOINT_URL_IAM: "http://iam.local:9000" });
    expect(c.aws.endpointOverrides).toEqual([
      { service: "ECR", url: "http://localhost:4566" },
      { service: "IAM", url: "http://iam.local:9000" },
      { service: "STS", url: "http://localhost:4566" },
      { service: "CLOUDTRAIL", url: "http://localhost:4566" },
    ]);
    expect(parseConfig({ ...live, AWS_ENDPOINT_URL: "http://localhost:4566", AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: "true" }).aws.endpointOverrides).toEqual([]);
  });

  it("derives the web URL of GitHub Enterprise Server from its API URL", () => {
    const c = parseConfig({ ...live, GITHUB_API_URL: "https://ghe.acme.internal/api/v3/" });
    expect(c.github.apiUrl).toBe("https://ghe.acme.internal/api/v3");
    expect(c.github.webUrl).toBe("https://ghe.acme.internal");
  });

  it.each([
    ["GITHUB_REPOSITORY", { ...live, GITHUB_REPOSITORY: "" }],
    ["GITHUB_TOKEN", { ...live, GITHUB_TOKEN: "" }],
    ["NEXTAUTH_SECRET", { ...live, NEXTAUTH_SECRET: "" }],
    ["DECKHAND_OPERATORS", { ...live, DECKHAND_OPERATORS: " , " }],
    ["GITHUB_OAUTH_CLIENT_ID", { ...live, GITHUB_OAUTH_CLIENT_ID: "" }],
    ["DECKHAND_URL", { ...live, DECKHAND_URL: "" }],
  ])("live mode without %s names that setting", (setting, env) => {
    expect(settingOf(env as Record<string, string>)).toBe(setting);
  });

  it.each([
    ["PORT", { PORT: "70000" }],
    ["PORT", { PORT: "abc" }],
    ["SANDBOX_PORT", { SANDBOX_PORT: "0" }],
    ["DECKHAND_MODE", { DECKHAND_MODE: "production" }],
    ["GITHUB_REPOSITORY", { GITHUB_REPOSITORY: "just-a-name" }],
    ["AWS_REGION", { AWS_REGION: "US East" }],
    ["DECKHAND_OPERATORS", { DECKHAND_OPERATORS: "alice,bad login" }],
    ["DECKHAND_API_TOKEN", { DECKHAND_API_TOKEN: "short" }],
    ["NEXTAUTH_SECRET", { NEXTAUTH_SECRET: "short" }],
  ])("a malformed %s is refused by name", (setting, env) => {
    expect(settingOf(env)).toBe(setting);
  });

  it("never echoes a secret's value in the message", () => {
    try {
      parseConfig({ NEXTAUTH_SECRET: "tooshort-secret-value" });
      throw new Error("expected failure");
    } catch (err) {
      expect(String((err as Error).message)).not.toContain("tooshort-secret-value");
    }
  });

  it("checks GITHUB_BRANCH as a git branch name, DECKHAND_RETENTION_DAYS as days, and keeps the workers' token apart from GITHUB_TOKEN", () => {
    expect(settingOf({ GITHUB_BRANCH: ".." })).toBe("GITHUB_BRANCH");
    expect(settingOf({ GITHUB_BRANCH: "HEAD" })).toBe("GITHUB_BRANCH");
    expect(parseConfig({ GITHUB_BRANCH: "release/2025" }).github.branch).toBe("release/2025");
    expect(parseConfig({}).retentionDays).toBe(30);
    expect(settingOf({ DECKHAND_RETENTION_DAYS: "0" })).toBe("DECKHAND_RETENTION_DAYS");
    expect(parseConfig({}).platformWaitMinutes).toBe(30);
    expect(parseConfig({ DECKHAND_PLATFORM_WAIT_MINUTES: "90" }).platformWaitMinutes).toBe(90);
    expect(parseConfig({ DECKHAND_PLATFORM_WAIT_MINUTES: "0.5" }).platformWaitMinutes).toBe(0.5);
    expect(settingOf({ DECKHAND_PLATFORM_WAIT_MINUTES: "0" })).toBe("DECKHAND_PLATFORM_WAIT_MINUTES");
    expect(settingOf({ DECKHAND_PLATFORM_WAIT_MINUTES: "soon" })).toBe("DECKHAND_PLATFORM_WAIT_MINUTES");
    expect(settingOf({ ...live, DECKHAND_WORKER_GIT_TOKEN: live.GITHUB_TOKEN })).toBe("DECKHAND_WORKER_GIT_TOKEN");
    expect(parseConfig({ ...live, DECKHAND_WORKER_GIT_TOKEN: "github_pat_worker" }).workerGitToken).toBe("github_pat_worker");
    expect(parseConfig(live).workerGitToken).toBeUndefined();
    expect(parseConfig({}).workerGitToken).toMatch(/^github_pat_/);
  });

  it("live mode refuses a short GITHUB_WEBHOOK_SECRET, naming the setting and the minimum, never the value", () => {
    let err: unknown;
    try {
      parseConfig({ ...live, GITHUB_WEBHOOK_SECRET: "hunter2" });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).setting).toBe("GITHUB_WEBHOOK_SECRET");
    expect((err as Error).message).toContain("at least 20 characters");
    expect((err as Error).message).not.toContain("hunter2");
    expect(parseConfig({ ...live, GITHUB_WEBHOOK_SECRET: "x".repeat(20) }).github.webhookSecret).toBe("x".repeat(20));
    expect(parseConfig(live).github.webhookSecret).toBeUndefined();
  });
});

describe("several repositories (GITHUB_REPOSITORIES)", () => {
  const errorOf = (env: Record<string, string>) => {
    try {
      parseConfig(env);
    } catch (err) {
      if (err instanceof ConfigError) return err;
      throw err;
    }
    throw new Error("expected a ConfigError");
  };

  it("GITHUB_REPOSITORY alone still gives one repository, with DECKHAND_IAM_USER as its push user", () => {
    const c = parseConfig({ ...live, DECKHAND_IAM_USER: "pusher" });
    expect(c.github.repositories).toEqual([{ repository: "acme/mcp-servers", owner: "acme", repo: "mcp-servers", pushUser: "pusher", pushUserNamed: false }]);
  });

  it("takes a list, trims and deduplicates it case-insensitively, keeping the first as the default", () => {
    const { GITHUB_REPOSITORY: _, ...rest } = live;
    const c = parseConfig({ ...rest, GITHUB_REPOSITORIES: " acme/a , acme/b:web-push,ACME/A,, acme/c " });
    expect(c.github.repositories.map((r) => `${r.repository}:${r.pushUser}`)).toEqual(["acme/a:github-ecr-push", "acme/b:web-push", "acme/c:github-ecr-push"]);
    // Only acme/b names its push user: the others' may be adopted on the Fleet page.
    expect(c.github.repositories.map((r) => r.pushUserNamed)).toEqual([false, true, false]);
    expect(c.github.repository).toBe("acme/a");
    expect(c.github.owner).toBe("acme");
    expect(c.github.repo).toBe("a");
  });

  it("with both set, GITHUB_REPOSITORY must be in the list and becomes the default", () => {
    const c = parseConfig({ ...live, GITHUB_REPOSITORIES: "acme/web-gateway,acme/mcp-servers" });
    expect(c.github.repositories.map((r) => r.repository)).toEqual(["acme/mcp-servers", "acme/web-gateway"]);
    const err = errorOf({ ...live, GITHUB_REPOSITORIES: "acme/web-gateway,acme/billing" });
    expect(err.setting).toBe("GITHUB_REPOSITORY");
    expect(err.message).toContain("is not in GITHUB_REPOSITORIES (acme/web-gateway, acme/billing)");
  });

  it.each([
    ["just-a-name", '"just-a-name" must be owner/name'],
    ["acme/a,acme/b c", '"acme/b c" must be owner/name'],
    ["acme/a:bad user", '"bad user" must be an IAM user name'],
    ["acme/a:x:y", '"acme/a:x:y" must be owner/name'],
    [" , ", "must name at least one owner/name"],
    ["acme/a:u1,acme/A:u2", "acme/A is listed twice with different push users (u1, u2)"],
  ])("refuses %j naming GITHUB_REPOSITORIES and the bad entry", (value, message) => {
    const err = errorOf({ GITHUB_REPOSITORIES: value });
    expect(err.setting).toBe("GITHUB_REPOSITORIES");
    expect(err.message).toContain(message);
  });

  it("takes owner wildcards (owner/*, owner/*:user) beside named repositories, parsed once into `discover`", () => {
    const c = parseConfig({ ...live, GITHUB_REPOSITORIES: "acme/web-gateway, acme/*:ecr-push-data, Other-Org/*, acme/mcp-servers, ACME/*:ecr-push-data" });
    expect(c.github.repositories.map((r) => `${r.repository}:${r.pushUser}`)).toEqual(["acme/mcp-servers:github-ecr-push", "acme/web-gateway:github-ecr-push"]);
    expect(c.github.discover).toEqual([
      { owner: "acme", pushUser: "ecr-push-data", pushUserNamed: true },
      { owner: "Other-Org", pushUser: "github-ecr-push", pushUserNamed: false },
    ]);
    expect(parseConfig(live).github.discover).toEqual([]);
  });

  it("a default repository under an owner wildcard is served with that wildcard's push user; one under none is refused", () => {
    const c = parseConfig({ ...live, GITHUB_REPOSITORIES: "acme/*:ecr-push-data,acme/web-gateway" });
    expect(c.github.repositories.map((r) => `${r.repository}:${r.pushUser}`)).toEqual(["acme/mcp-servers:ecr-push-data", "acme/web-gateway:github-ecr-push"]);
    // The wildcard names ecr-push-data: the default repository's push user is named through it.
    expect(c.github.repositories.map((r) => r.pushUserNamed)).toEqual([true, false]);
    expect(parseConfig({ ...live, GITHUB_REPOSITORIES: "acme/*,acme/web-gateway" }).github.repositories[0].pushUserNamed).toBe(false);
    const err = errorOf({ ...live, GITHUB_REPOSITORIES: "other/*,acme/web-gateway" });
    expect(err.setting).toBe("GITHUB_REPOSITORY");
    expect(err.message).toContain("is not in GITHUB_REPOSITORIES (acme/web-gateway, other/*)");
  });

  it("wildcards alone name no default: GITHUB_REPOSITORY is then required, by name", () => {
    const { GITHUB_REPOSITORY: _, ...rest } = live;
    const err = errorOf({ ...rest, GITHUB_REPOSITORIES: "acme/*" });
    expect(err.setting).toBe("GITHUB_REPOSITORY");
    expect(err.message).toContain("names only owners (acme/*)");
  });

  it.each([
    ["*/*", "a wildcard stands for every repository name of one owner"],
    ["acme/web*", '"acme/web*": a wildcard stands for every repository name of one owner'],
    ["*/web", '"*/web": a wildcard'],
    ["acme/*/x", '"acme/*/x": a wildcard'],
    ["acme/*:bad user", '"bad user" must be an IAM user name'],
    ["acme/*:u1,ACME/*:u2", "ACME/* is listed twice with different push users (u1, u2)"],
  ])("refuses the wildcard %j naming GITHUB_REPOSITORIES", (value, message) => {
    const err = errorOf({ ...live, GITHUB_REPOSITORIES: `acme/mcp-servers,${value}` });
    expect(err.setting).toBe("GITHUB_REPOSITORIES");
    expect(err.message).toContain(message);
  });

  it("sandbox mode takes the list too; without either it watches the sandbox's repository", () => {
    expect(parseConfig({ GITHUB_REPOSITORIES: "acme/mcp-servers,acme/web-gateway" }).github.repositories).toHaveLength(2);
    expect(parseConfig({}).github.repositories.map((r) => r.repository)).toEqual(["acme/mcp-servers"]);
  });
});
