import { describe, expect, it } from "vitest";
import { decideChosenRepository } from "./chosen-repository";

const FLEET = ["acme/mcp-servers", "acme/web-gateway", "acme/billing-worker"];

describe("decideChosenRepository", () => {
  it("remembers a configured repository other than the default, whatever its case, and nothing more once remembered", () => {
    expect(decideChosenRepository({ repositories: FLEET, param: "Acme/Web-Gateway", cookie: null })).toEqual({ kind: "remember", repository: "acme/web-gateway" });
    expect(decideChosenRepository({ repositories: FLEET, param: "acme/web-gateway", cookie: "acme/web-gateway" })).toEqual({ kind: "none" });
    expect(decideChosenRepository({ repositories: FLEET, param: "acme/billing-worker", cookie: "acme/web-gateway" })).toEqual({ kind: "remember", repository: "acme/billing-worker" });
  });

  it("a link without ?repo= keeps the remembered repository; choosing the default forgets it", () => {
    expect(decideChosenRepository({ repositories: FLEET, param: null, cookie: "acme/web-gateway" })).toEqual({ kind: "redirect", repository: "acme/web-gateway" });
    expect(decideChosenRepository({ repositories: FLEET, param: "acme/mcp-servers", cookie: "acme/web-gateway" })).toEqual({ kind: "forget" });
    expect(decideChosenRepository({ repositories: FLEET, param: "acme/mcp-servers", cookie: null })).toEqual({ kind: "none" });
    expect(decideChosenRepository({ repositories: FLEET, param: null, cookie: null })).toEqual({ kind: "none" });
  });

  it("never remembers or redirects to a repository that is not configured, and drops a stale or crafted cookie", () => {
    expect(decideChosenRepository({ repositories: FLEET, param: "evil/repo", cookie: null })).toEqual({ kind: "none" });
    expect(decideChosenRepository({ repositories: FLEET, param: null, cookie: "evil/repo" })).toEqual({ kind: "forget" });
    expect(decideChosenRepository({ repositories: FLEET, param: null, cookie: "acme/mcp-servers" })).toEqual({ kind: "forget" });
    // One repository configured: no choice to remember.
    expect(decideChosenRepository({ repositories: ["acme/mcp-servers"], param: null, cookie: "acme/web-gateway" })).toEqual({ kind: "forget" });
    expect(decideChosenRepository({ repositories: ["acme/mcp-servers"], param: "acme/web-gateway", cookie: null })).toEqual({ kind: "none" });
  });
});
