// POST /_sandbox/age over HTTP with the real SDKs and Octokit: everything the sandbox recorded moves N days back
// (CloudTrail, IAM keys' dates and last use, pull requests' merged_at, runs), input is validated, and every time
// column of every sandbox table is either aged or named here with the reason it is not.

import { describe, expect, it } from "vitest";
import { LookupEventsCommand } from "@aws-sdk/client-cloudtrail";
import { GetAccessKeyLastUsedCommand, ListAccessKeysCommand } from "@aws-sdk/client-iam";
import { DescribeRepositoriesCommand } from "@aws-sdk/client-ecr";
import { sharedTestSandbox } from "../tooling/testing/shared-test-sandbox";
import { AWS_AGED_TABLES } from "./aws/age";
import { GITHUB_AGED_TABLES } from "./github/age";
import { shiftIsoTimestamps, DAY_MS } from "./age";

const sbx = sharedTestSandbox();

describe("shiftIsoTimestamps", () => {
  it("moves every ISO timestamp whole days back and keeps its exact format; other text is untouched", () => {
    const text = `{"eventTime":"2026-03-01T00:30:00Z","expiration":"2026-03-01T01:30:00.123Z"} 2026-03-01T00:30:00.1230000Z ##[group]Run x 2026-03-01 not-a-time`;
    expect(shiftIsoTimestamps(text, 8)).toBe(`{"eventTime":"2026-02-21T00:30:00Z","expiration":"2026-02-21T01:30:00.123Z"} 2026-02-21T00:30:00.1230000Z ##[group]Run x 2026-03-01 not-a-time`);
    expect(shiftIsoTimestamps("2024-03-05T23:59:59+02:00", 5)).toBe("2024-02-29T23:59:59+02:00");
  });
});

describe("POST /_sandbox/age", () => {
  it("refuses anything but a whole number of days from 1 to 400, and callers without the admin token", async () => {
    for (const [body, message] of [
      [{ days: 0 }, "days must be at least 1"],
      [{ days: 401 }, "days must be at most 400"],
      [{ days: 1.5 }, "days must be a whole number of days"],
      [{ days: "8" }, "days must be a number"],
      [{}, "days must be a number"],
    ] as const) {
      const r = await sbx.admin("POST", "/_sandbox/age", body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(((await r.json()) as { message: string }).message).toContain(message);
    }
    const bad = await fetch(`${sbx.url}/_sandbox/age`, { method: "POST", headers: { authorization: "Bearer sandbox-admin-token" }, body: "{days" });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ message: "body is not valid JSON" });
    const anonymous = await fetch(`${sbx.url}/_sandbox/age`, { method: "POST", body: JSON.stringify({ days: 8 }) });
    expect(anonymous.status).toBe(403);
  });

  it("moves CloudTrail, the key's dates and last use, a merged pull request and the runs N days back", async () => {
    const { github, repo, aws } = sbx.clients;
    const seed = (await (await sbx.admin("GET", "/_sandbox/aws/seed")).json()) as { pushUserKey: { accessKeyId: string; secretAccessKey: string } };
    const keyId = seed.pushUserKey.accessKeyId;
    // A use of the push key now, and a merged pull request now (GitHub's API, as a user would).
    await sbx.awsAs(seed.pushUserKey).ecr.send(new DescribeRepositoriesCommand({}));
    const main = (await github.rest.git.getRef({ ...repo, ref: "heads/main" })).data.object.sha;
    await github.rest.git.createRef({ ...repo, ref: "refs/heads/aged", sha: main });
    await github.rest.repos.createOrUpdateFileContents({ ...repo, path: "AGED.md", message: "aged", content: Buffer.from("aged\n").toString("base64"), branch: "aged" });
    const pr = (await github.rest.pulls.create({ ...repo, head: "aged", base: "main", title: "Aged" })).data;
    const merge = (await github.rest.pulls.merge({ ...repo, pull_number: pr.number })).data;
    // The merge starts the ECR workflow, which uses the key: let it finish, so nothing happens while the world ages.
    for (let i = 0; i < 100; i++) {
      const runs = (await github.rest.actions.listWorkflowRunsForRepo({ ...repo, head_sha: merge.sha })).data.workflow_runs;
      if (runs.length && runs.every((x) => x.status === "completed")) break;
      await new Promise((r) => setTimeout(r, 100));
    }

    const before = await facts();
    expect(before.mergedAt).not.toBeNull();
    const r = await sbx.admin("POST", "/_sandbox/age", { days: 8 });
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ aged: true, days: 8, rows: expect.any(Number) });
    const after = await facts();

    const back = (a: string | Date | null | undefined, b: string | Date | null | undefined) => new Date(a!).getTime() - new Date(b!).getTime();
    expect(back(before.eventTime, after.eventTime)).toBe(8 * DAY_MS);
    expect(after.eventId).toBe(before.eventId);
    expect(back(before.lastUsed, after.lastUsed)).toBe(8 * DAY_MS);
    expect(back(before.keyCreated, after.keyCreated)).toBe(8 * DAY_MS);
    expect(back(before.mergedAt, after.mergedAt)).toBe(8 * DAY_MS);
    expect(back(before.prCreated, after.prCreated)).toBe(8 * DAY_MS);
    expect(back(before.runCreated, after.runCreated)).toBe(8 * DAY_MS);
    expect(back(before.runStarted, after.runStarted)).toBe(8 * DAY_MS);
    expect(back(before.runCommitAt, after.runCommitAt)).toBe(8 * DAY_MS);
    // Git is not rewritten (the SHA stays) but presents the merge commit 8 days older, like the pull request.
    expect(back(before.commitAt, after.commitAt)).toBe(8 * DAY_MS);
    expect(back(before.authoredAt, after.authoredAt)).toBe(8 * DAY_MS);
    expect(Math.abs(back(after.commitAt, after.mergedAt))).toBeLessThanOrEqual(2000);

    // A commit made after the aging keeps its own date; since/until select by the presented dates.
    const later = (await github.rest.repos.createOrUpdateFileContents({ ...repo, path: "LATER.md", message: "later", content: Buffer.from("later\n").toString("base64"), branch: "main" })).data.commit;
    expect(Math.abs(new Date(later.committer!.date!).getTime() - Date.now())).toBeLessThan(60_000);
    const since = (await github.rest.repos.listCommits({ ...repo, since: after.commitAt!, per_page: 100 })).data;
    expect(since.map((c) => c.sha)).toEqual(expect.arrayContaining([later.sha, merge.sha]));
    for (const c of since) expect(new Date(c.commit.committer!.date!).getTime()).toBeGreaterThanOrEqual(new Date(after.commitAt!).getTime());
    const until = (await github.rest.repos.listCommits({ ...repo, until: new Date(new Date(after.commitAt!).getTime() - DAY_MS).toISOString(), per_page: 100 })).data;
    expect(until.length).toBeGreaterThan(0);
    expect(until.map((c) => c.sha)).not.toContain(merge.sha);
    for (const c of until) expect(new Date(c.commit.committer!.date!).getTime()).toBeLessThanOrEqual(new Date(after.commitAt!).getTime() - DAY_MS);

    async function facts() {
      const events = await aws.cloudtrail.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: "AccessKeyId", AttributeValue: keyId }], MaxResults: 1 }));
      const last = await aws.iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: keyId }));
      const keys = await aws.iam.send(new ListAccessKeysCommand({ UserName: "github-ecr-push" }));
      const p = (await github.rest.pulls.get({ ...repo, pull_number: pr.number })).data;
      const run = (await github.rest.actions.listWorkflowRunsForRepo({ ...repo, per_page: 1 })).data.workflow_runs[0];
      const commit = (await github.rest.repos.getCommit({ ...repo, ref: merge.sha })).data.commit;
      const mergeRun = (await github.rest.actions.listWorkflowRunsForRepo({ ...repo, head_sha: merge.sha })).data.workflow_runs[0];
      const event = events.Events![0];
      expect(JSON.parse(event.CloudTrailEvent!).eventTime).toBe(event.EventTime!.toISOString().replace(/\.\d{3}Z$/, "Z"));
      return {
        eventId: event.EventId,
        eventTime: event.EventTime,
        lastUsed: last.AccessKeyLastUsed!.LastUsedDate,
        keyCreated: keys.AccessKeyMetadata!.find((k) => k.AccessKeyId === keyId)!.CreateDate,
        mergedAt: p.merged_at,
        prCreated: p.created_at,
        runCreated: run.created_at,
        runStarted: run.run_started_at,
        runCommitAt: mergeRun.head_commit!.timestamp,
        commitAt: commit.committer!.date,
        authoredAt: commit.author!.date,
      };
    }
  });

  it("ages every time column the sandbox keeps, or this test names why not", () => {
    const notAged: Record<string, string> = {};
    const aged = new Set([...AWS_AGED_TABLES, ...GITHUB_AGED_TABLES].flatMap((t) => [...(t.ms ?? []), ...(t.iso ?? [])].map((c) => `${t.table}.${c}`)));
    const db = sbx.sandbox.ctx.db;
    const tables = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).pluck().all() as string[];
    const columns = tables.flatMap((t) => (db.prepare(`PRAGMA table_info(${t})`).all() as Array<{ name: string }>).map((c) => `${t}.${c.name}`));
    const timeColumns = columns.filter((c) => /(_at|_ms|date|time)$/i.test(c));
    expect(timeColumns.length).toBeGreaterThan(40);
    expect(timeColumns.filter((c) => !aged.has(c) && !notAged[c])).toEqual([]);
    for (const c of aged) expect(columns, `${c} is listed as aged but is no column`).toContain(c);
  });
});
