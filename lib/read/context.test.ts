import { describe, expect, it } from "vitest";
import { forRepository, selectRepository } from "./context";
import type { ConfiguredRepository } from "../infra/config/env";

const repos: ConfiguredRepository[] = [
  { repository: "acme/mcp-servers", owner: "acme", repo: "mcp-servers", pushUser: "github-ecr-push", pushUserNamed: false },
  { repository: "acme/web-gateway", owner: "acme", repo: "web-gateway", pushUser: "web-push", pushUserNamed: true },
];

describe("selectRepository", () => {
  it("defaults to the first configured repository", () => {
    expect(selectRepository(repos, undefined)?.repository).toBe("acme/mcp-servers");
    expect(selectRepository(repos, "")?.repository).toBe("acme/mcp-servers");
  });
  it("finds a configured one case-insensitively, as GitHub names are", () => {
    expect(selectRepository(repos, "ACME/Web-Gateway")?.repository).toBe("acme/web-gateway");
  });
  it("never answers a repository that is not configured, nor a repeated parameter", () => {
    expect(selectRepository(repos, "evil/elsewhere")).toBeNull();
    expect(selectRepository(repos, "acme/web-gateway/../x")).toBeNull();
    expect(selectRepository(repos, ["acme/web-gateway", "acme/mcp-servers"])).toBeNull();
  });
});

describe("forRepository", () => {
  it("points GitHub reads at the repository and AWS reads at its push user, leaving the original alone", () => {
    const ctx = { clients: { repo: { owner: "acme", repo: "mcp-servers" }, other: 1 }, userName: "github-ecr-push", github: { repository: "acme/mcp-servers", owner: "acme", repo: "mcp-servers", webUrl: "u", branch: undefined } };
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const next = forRepository(ctx as any, repos[1]) as any;
    expect(next.clients.repo).toEqual({ owner: "acme", repo: "web-gateway" });
    expect(next.clients.other).toBe(1);
    expect(next.userName).toBe("web-push");
    expect(next.github).toMatchObject({ repository: "acme/web-gateway", webUrl: "u" });
    expect(ctx.clients.repo.repo).toBe("mcp-servers");
  });
});
