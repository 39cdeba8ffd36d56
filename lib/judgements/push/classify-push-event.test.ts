import { describe, expect, it } from "vitest";
import { classifyPushEvent } from "./classify-push-event";

const SHA = "6113728f27ae82c7b1a177c8d03f9e96e0adf246";
const BEFORE = "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c";

/** Shape of GitHub's push payload (only the fields that matter here, plus some noise). */
function pushPayload(over: Record<string, unknown> = {}) {
  return {
    ref: "refs/heads/main",
    before: BEFORE,
    after: SHA,
    created: false,
    deleted: false,
    forced: false,
    base_ref: null,
    compare: "https://github.com/acme/shop/compare/0d1a26e67d8f...6113728f27ae",
    commits: [{ id: SHA, message: "change api" }],
    head_commit: { id: SHA },
    repository: { id: 1, full_name: "acme/shop", name: "shop", default_branch: "main", master_branch: "main" },
    pusher: { name: "octocat" },
    ...over,
  };
}

const base = { repository: "acme/shop", branch: "main" };

describe("classifyPushEvent", () => {
  it("pongs a ping", () => {
    expect(classifyPushEvent({ ...base, event: "ping", payload: { zen: "Keep it logically awesome.", hook_id: 1 } })).toEqual({
      action: "pong",
    });
  });

  it("enqueues a push to the configured branch of the configured repository", () => {
    expect(classifyPushEvent({ ...base, event: "push", payload: pushPayload() })).toEqual({
      action: "enqueue",
      sha: SHA,
      branch: "main",
      ref: "refs/heads/main",
      repository: "acme/shop",
    });
  });

  it("compares repository names case-insensitively", () => {
    const d = classifyPushEvent({ event: "push", payload: pushPayload(), repository: "ACME/Shop", branch: "main" });
    expect(d.action).toBe("enqueue");
  });

  it("uses the payload's default branch when none is configured", () => {
    const payload = pushPayload({
      ref: "refs/heads/trunk",
      repository: { full_name: "acme/shop", default_branch: "trunk" },
    });
    expect(classifyPushEvent({ event: "push", payload, repository: "acme/shop" })).toMatchObject({
      action: "enqueue",
      branch: "trunk",
    });
    const mainPushTrunkDefault = pushPayload({ repository: { full_name: "acme/shop", default_branch: "trunk" } });
    expect(classifyPushEvent({ event: "push", payload: mainPushTrunkDefault, repository: "acme/shop", branch: null })).toMatchObject({
      action: "ignore",
      reason: "other-branch",
    });
  });

  it("ignores a push to another branch", () => {
    expect(classifyPushEvent({ ...base, event: "push", payload: pushPayload({ ref: "refs/heads/feature/x" }) })).toEqual({
      action: "ignore",
      reason: "other-branch",
      detail: "push to feature/x, configured main",
    });
  });

  it("does not treat a branch whose name merely starts with the configured one as a match", () => {
    const d = classifyPushEvent({ ...base, event: "push", payload: pushPayload({ ref: "refs/heads/main-old" }) });
    expect(d).toMatchObject({ action: "ignore", reason: "other-branch" });
  });

  it("ignores a tag push, even for a tag named like the branch", () => {
    const d = classifyPushEvent({ ...base, event: "push", payload: pushPayload({ ref: "refs/tags/main" }) });
    expect(d).toMatchObject({ action: "ignore", reason: "tag-push" });
  });

  it("ignores a deletion of the configured branch, flagged either way", () => {
    const zero = "0".repeat(40);
    expect(
      classifyPushEvent({ ...base, event: "push", payload: pushPayload({ deleted: true, after: zero }) }),
    ).toMatchObject({ action: "ignore", reason: "branch-deleted" });
    expect(classifyPushEvent({ ...base, event: "push", payload: pushPayload({ after: zero }) })).toMatchObject({
      action: "ignore",
      reason: "branch-deleted",
    });
    expect(classifyPushEvent({ ...base, event: "push", payload: pushPayload({ deleted: true }) })).toMatchObject({
      action: "ignore",
      reason: "branch-deleted",
    });
  });

  it("ignores another repository", () => {
    const payload = pushPayload({ repository: { full_name: "acme/other", default_branch: "main" } });
    expect(classifyPushEvent({ ...base, event: "push", payload })).toMatchObject({
      action: "ignore",
      reason: "other-repository",
    });
  });

  it("with several configured repositories, enqueues a push from any of them, named as configured", () => {
    const several = { repository: ["acme/api", "Acme/Shop"], branch: "main" };
    expect(classifyPushEvent({ ...several, event: "push", payload: pushPayload() })).toMatchObject({ action: "enqueue", repository: "Acme/Shop", sha: SHA });
    expect(classifyPushEvent({ ...several, event: "push", payload: pushPayload({ repository: { full_name: "acme/other", default_branch: "main" } }) })).toEqual({
      action: "ignore",
      reason: "other-repository",
      detail: "push to acme/other, configured acme/api, Acme/Shop",
    });
    // An empty list configures nothing: every push is another repository's.
    expect(classifyPushEvent({ repository: [], branch: "main", event: "push", payload: pushPayload() })).toMatchObject({ action: "ignore", reason: "other-repository" });
  });

  it("ignores other events, and a missing event header", () => {
    for (const event of ["pull_request", "workflow_run", "create", "", undefined, null]) {
      expect(classifyPushEvent({ ...base, event, payload: pushPayload() })).toMatchObject({
        action: "ignore",
        reason: "other-event",
      });
    }
  });

  it("ignores payloads that are not push-shaped instead of throwing", () => {
    const bad: unknown[] = [
      null,
      [],
      "push",
      42,
      {},
      { ...pushPayload(), repository: null },
      { ...pushPayload(), ref: 7 },
      { ...pushPayload(), ref: "refs/pull/1/head" },
      { ...pushPayload(), after: "not-a-sha" },
      { ...pushPayload(), after: SHA.toUpperCase() },
      { ...pushPayload(), after: undefined },
    ];
    for (const payload of bad) {
      expect(classifyPushEvent({ ...base, event: "push", payload })).toMatchObject({
        action: "ignore",
        reason: "invalid-payload",
      });
    }
  });
});
