import { describe, expect, it } from "vitest";
import { retireOffers } from "./retire-offers";

const KEY = "AKIAIOSFODNN7EXAMPLE";
const base = { verdict: "ready-to-retire" as const, proofMessage: "The role works and the key has gone unused for 7 days: it can be retired.", secretsPresent: true, stillNeeded: [] as string[] };

describe("retireOffers", () => {
  it("offers deactivation only once the proof says ready-to-retire", () => {
    expect(retireOffers({ ...base, keys: [{ accessKeyId: KEY, status: "Active" }] })).toMatchObject({ deactivate: [KEY], deleteSecrets: false, deleteKey: [], reactivate: [], retired: false });
    for (const verdict of ["waiting-for-merge", "no-role-use-yet", "no-role-push-yet", "key-still-used", "grace-running"] as const)
      expect(retireOffers({ ...base, verdict, keys: [{ accessKeyId: KEY, status: "Active" }] }).deactivate, verdict).toEqual([]);
  });

  it("offers deleting the secrets once no key is active, and reactivating, but never deleting a key a secret may hold", () => {
    const o = retireOffers({ ...base, keys: [{ accessKeyId: KEY, status: "Inactive" }] });
    expect(o).toMatchObject({ deactivate: [], deleteSecrets: true, reactivate: [KEY], deleteKey: [], retired: false, message: base.proofMessage });
    // One secret gone and the other left (a deletion cut short) still counts as present.
    expect(retireOffers({ ...base, keys: [{ accessKeyId: KEY, status: "Active" }, { accessKeyId: "AKIDEXAMPLE", status: "Inactive" }] })).toMatchObject({ deleteSecrets: false, deleteKey: [] });
  });

  it("offers deleting the inactive key once the secrets are gone, then says the key is retired", () => {
    expect(retireOffers({ ...base, secretsPresent: false, keys: [{ accessKeyId: KEY, status: "Inactive" }] })).toMatchObject({ deleteSecrets: false, reactivate: [KEY], deleteKey: [KEY], retired: false });
    expect(retireOffers({ ...base, secretsPresent: false, keys: [] })).toEqual({ deactivate: [], deleteSecrets: false, reactivate: [], deleteKey: [], retired: true, message: "The role works and the key is retired." });
    // Retired before the proof was complete (keys and secrets removed by hand): the proof's own message stays.
    expect(retireOffers({ ...base, verdict: "grace-running", proofMessage: "grace", secretsPresent: false, keys: [] })).toMatchObject({ retired: true, message: "grace" });
  });

  it("offers no deletion of the key while another repository's secrets hold it, and names it", () => {
    const o = retireOffers({ ...base, secretsPresent: false, heldElsewhere: ["acme/mcp-servers (its runs get AWS_ACCESS_KEY_ID)"], keys: [{ accessKeyId: KEY, status: "Inactive" }] });
    expect(o).toMatchObject({ deleteKey: [], reactivate: [KEY] });
    expect(o.message).toContain("acme/mcp-servers (its runs get AWS_ACCESS_KEY_ID)");
  });

  it("offers no deactivation while another repository of the push user still needs the key, and names it", () => {
    const stillNeeded = ["acme/web-gateway (its workflow .github/workflows/ecr.yml signs in with the key)", "acme/billing-worker (list workflows failed)"];
    const o = retireOffers({ ...base, stillNeeded, keys: [{ accessKeyId: KEY, status: "Active" }] });
    expect(o.deactivate).toEqual([]);
    expect(o.message).toContain(base.proofMessage);
    expect(o.message).toContain("acme/web-gateway (its workflow");
    expect(o.message).toContain("acme/billing-worker (list workflows failed)");
    // Once the key is inactive (deactivated before, or by hand) the undo and the next steps are not held back.
    expect(retireOffers({ ...base, stillNeeded, keys: [{ accessKeyId: KEY, status: "Inactive" }] })).toMatchObject({ reactivate: [KEY], deleteSecrets: true, message: base.proofMessage });
  });
});
