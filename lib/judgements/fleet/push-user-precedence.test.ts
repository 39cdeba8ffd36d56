import { describe, expect, it } from "vitest";
import { applyAdoptions, type PushUserAdoption } from "./push-user-precedence";

const repo = (repository: string, pushUser: string, pushUserNamed: boolean, extra: Record<string, unknown> = {}) => ({ repository, pushUser, pushUserNamed, ...extra });
const adoption = (repository: string, pushUser: string, over: Partial<PushUserAdoption> = {}): PushUserAdoption => ({ repository, pushUser, adoptedBy: "octo-operator", adoptedAt: "2026-12-03T12:00:00.000Z", runId: 7, ...over });

describe("applyAdoptions: named beats adopted beats the default", () => {
  it("applies an adoption to a repository whose push user is the default, saying what it replaced", () => {
    const [r] = applyAdoptions([repo("acme/web-gateway", "github-ecr-push", false)], [adoption("acme/web-gateway", "ecr-push-payments")]);
    expect(r).toEqual({
      repository: "acme/web-gateway",
      pushUser: "ecr-push-payments",
      pushUserNamed: false,
      adopted: { by: "octo-operator", at: "2026-12-03T12:00:00.000Z", runId: 7, instead: "github-ecr-push" },
    });
  });

  it("never overrides a push user the configuration names (owner/name:user or owner/*:user)", () => {
    const named = repo("acme/web-gateway", "ecr-push-web", true);
    const out = applyAdoptions([named], [adoption("acme/web-gateway", "ecr-push-payments")]);
    expect(out[0]).toBe(named);
    expect(out[0]).not.toHaveProperty("adopted");
  });

  it("matches names case-insensitively, keeps the served spelling, and applies to discovered repositories alike", () => {
    const discovered = repo("Acme/Web-Gateway", "github-ecr-push", false, { discovered: { rule: "acme/*", at: "x" } });
    const [r] = applyAdoptions([discovered], [adoption("ACME/web-gateway", "ecr-push-payments")]);
    expect(r).toMatchObject({ repository: "Acme/Web-Gateway", pushUser: "ecr-push-payments", discovered: { rule: "acme/*" }, adopted: { instead: "github-ecr-push" } });
  });

  it("ignores an adoption of a repository no longer served, and leaves the others' order and objects alone", () => {
    const a = repo("acme/mcp-servers", "github-ecr-push", false);
    const b = repo("acme/billing-worker", "github-ecr-push", false);
    const out = applyAdoptions([a, b], [adoption("acme/gone", "ecr-push-payments"), adoption("acme/mcp-servers-old", "ecr-push-payments")]);
    expect(out).toEqual([a, b]);
    expect(out[0]).toBe(a);
    expect(out[1]).toBe(b);
  });

  it("ignores an adoption of the user the repository has anyway (e.g. DECKHAND_IAM_USER changed to it since)", () => {
    const r = repo("acme/web-gateway", "ecr-push-payments", false);
    expect(applyAdoptions([r], [adoption("acme/web-gateway", "ecr-push-payments")])[0]).toBe(r);
  });

  it("ignores a stored user name IAM would refuse, and odd rows, rather than serve with it", () => {
    const r = repo("acme/web-gateway", "github-ecr-push", false);
    const bad = [adoption("acme/web-gateway", ""), adoption("acme/web-gateway", "has space"), adoption("acme/web-gateway", "x".repeat(65)), null as unknown as PushUserAdoption, { repository: 5 } as unknown as PushUserAdoption];
    expect(applyAdoptions([r], bad)[0]).toBe(r);
    // A valid one after the bad ones still applies.
    expect(applyAdoptions([r], [...bad, adoption("acme/web-gateway", "ecr+push=a,b.c@d-e_f")])[0].pushUser).toBe("ecr+push=a,b.c@d-e_f");
  });

  it("the first of two adoptions naming one repository (in other cases) wins", () => {
    const r = repo("acme/web-gateway", "github-ecr-push", false);
    expect(applyAdoptions([r], [adoption("ACME/WEB-GATEWAY", "first"), adoption("acme/web-gateway", "second")])[0].pushUser).toBe("first");
  });

  it("does not mutate its inputs; an empty list of adoptions changes nothing", () => {
    const r = repo("acme/web-gateway", "github-ecr-push", false);
    const a = [adoption("acme/web-gateway", "ecr-push-payments")];
    const copy = JSON.parse(JSON.stringify({ r, a }));
    applyAdoptions([r], a);
    expect({ r, a }).toEqual(copy);
    expect(applyAdoptions([r], [])[0]).toBe(r);
  });
});
