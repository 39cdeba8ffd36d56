import { describe, expect, it } from "vitest";
import { decideEcrOwner, shortRefusal, type EcrOwnerQuestion } from "./decide-ecr-owner";

const q = (o: Partial<EcrOwnerQuestion>): EcrOwnerQuestion => ({ ecrRepository: "web", source: "acme/web-gateway", sourceNamed: true, owner: null, exists: true, ...o });

describe("who may push into an ECR repository (issue 16)", () => {
  it("a repository that does not exist yet is claimed by the push that creates it, named or discovered", () => {
    expect(decideEcrOwner(q({ exists: false }))).toEqual({ action: "claim", why: "new-repository" });
    expect(decideEcrOwner(q({ exists: false, sourceNamed: false }))).toEqual({ action: "claim", why: "new-repository" });
  });

  it("its owner pushes, whatever the case of the owner/name", () => {
    expect(decideEcrOwner(q({ owner: "acme/web-gateway" }))).toEqual({ action: "push" });
    expect(decideEcrOwner(q({ owner: "ACME/Web-Gateway" }))).toEqual({ action: "push" });
    // Owned: existence no longer matters (a deleted repository keeps its owner until an operator releases it).
    expect(decideEcrOwner(q({ owner: "Acme/web-gateway", exists: false, sourceNamed: false }))).toEqual({ action: "push" });
  });

  it("another owner's repository fails the service, naming the repository, its owner and both ways out", () => {
    const d = decideEcrOwner(q({ owner: "acme/mcp-servers" }));
    expect(d).toMatchObject({ action: "refuse", reason: "owned-by-another" });
    const m = (d as { message: string }).message;
    expect(m).toContain("ECR repository web is owned by acme/mcp-servers: nothing pushed from acme/web-gateway");
    expect(shortRefusal(m)).toBe("ECR repository web is owned by acme/mcp-servers");
    expect(m).toContain("distinct image: name");
    expect(m).toContain("reassigns web to acme/web-gateway");
    // Even when it does not exist any more, and even for a named source: the record decides.
    expect(decideEcrOwner(q({ owner: "acme/mcp-servers", exists: false }))).toMatchObject({ action: "refuse", reason: "owned-by-another" });
  });

  it("a look-alike owner is another owner: a prefix, a suffix or another organization never matches", () => {
    for (const owner of ["acme/web-gateway2", "acme/web", "acm/web-gateway", "evil/acme/web-gateway", "acme/web-gateway ", "acme-web-gateway"]) {
      expect(decideEcrOwner(q({ owner })).action).toBe("refuse");
    }
  });

  it("an existing repository nobody claimed goes to a named source, never to a discovered one", () => {
    expect(decideEcrOwner(q({ sourceNamed: true }))).toEqual({ action: "claim", why: "unclaimed-named" });
    const d = decideEcrOwner(q({ sourceNamed: false, source: "acme/new-thing" }));
    expect(d).toMatchObject({ action: "refuse", reason: "unclaimed-discovered" });
    expect((d as { message: string }).message).toMatch(/An operator can assign web to acme\/new-thing.*GITHUB_REPOSITORIES/);
  });

  it("Deckhand's build cache repository is never a service image, whoever asks and whether or not it is owned", () => {
    for (const o of [{}, { sourceNamed: false }, { exists: false }, { owner: "acme/web-gateway" }]) {
      expect(decideEcrOwner(q({ ecrRepository: "deckhand-build-cache", buildCacheRepository: "deckhand-build-cache", ...o }))).toMatchObject({ action: "refuse", reason: "build-cache" });
    }
    // Only the exact name: a repository beside it is an ordinary one.
    expect(decideEcrOwner(q({ ecrRepository: "deckhand-build-cache-2", buildCacheRepository: "deckhand-build-cache", exists: false }))).toEqual({ action: "claim", why: "new-repository" });
  });

  it("an existing repository with no owner goes back to the repository whose Deckhand push was last, no other", () => {
    expect(decideEcrOwner(q({ exists: true, owner: null, sourceNamed: true, lastPusher: "acme/api" }))).toMatchObject({ action: "refuse", reason: "pushed-by-another" });
    expect(decideEcrOwner(q({ exists: true, owner: null, sourceNamed: true, lastPusher: null }))).toEqual({ action: "claim", why: "unclaimed-named" });
  });
});
