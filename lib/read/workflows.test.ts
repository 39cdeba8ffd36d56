import { describe, expect, it } from "vitest";
import { sharedTestSandbox } from "../tooling/testing/shared-test-sandbox";
import { listRuns } from "../integrations/github/runs";
import { listRunsInWindow } from "./workflows";

const sbx = sharedTestSandbox();

describe("listRunsInWindow", () => {
  it("returns exactly the runs created in the window, fetched page-parallel", async () => {
    const gh = { github: sbx.clients.github, repo: sbx.clients.repo };
    const all = [];
    for (let page = 1; ; page++) {
      const p = await listRuns({ ...gh, page, perPage: 100 });
      all.push(...p.runs);
      if (!p.hasNext) break;
    }
    const now = new Date();
    const { runs, truncated } = await listRunsInWindow({ ...gh, days: 30, now });
    const cutoff = Date.parse(new Date(now.getTime() - 30 * 86_400_000).toISOString().slice(0, 10));
    const expected = all.filter((r) => Date.parse(r.createdAt) >= cutoff).map((r) => r.id);
    expect(truncated).toBe(false);
    expect(runs.map((r) => r.id).sort()).toEqual(expected.sort());
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(all.length);
  });
});
