import { describe, expect, it } from "vitest";
import type { AccessKeyInfo } from "./key-verdicts";
import { correlateSecretKey, isGithubActionsUserAgent, type CorrelationInput } from "./secret-correlation";
import { DAY_MS, HOUR_MS, MINUTE_MS } from "./time-util";
import type { CloudTrailEvent, GithubSecretInfo, WorkflowRunInfo } from "./types";

const NOW = Date.parse("2026-11-25T12:00:00Z");
const at = (msAgo: number) => new Date(NOW - msAgo).toISOString();
const GH_UA = "aws-sdk-nodejs/3.600.0 linux/v20 exec-env/GitHub_Actions configure-aws-credentials-for-github-actions";
const CLI_UA = "aws-cli/2.15.0 Python/3.11 Linux/6.1 exe/x86_64.ubuntu";

const key = (id: string, createdAgo: number, over: Partial<AccessKeyInfo> = {}): AccessKeyInfo => ({
  accessKeyId: id,
  status: "Active",
  createDate: at(createdAgo),
  lastUsed: null,
  ...over,
});
const secrets = (writtenAgo: number, secretKeyAgo = writtenAgo): GithubSecretInfo[] => [
  { name: "AWS_ACCESS_KEY_ID", createdAt: at(400 * DAY_MS), updatedAt: at(writtenAgo) },
  { name: "AWS_SECRET_ACCESS_KEY", createdAt: at(400 * DAY_MS), updatedAt: at(secretKeyAgo) },
];
const event = (accessKeyId: string, agoMs: number, over: Partial<CloudTrailEvent> = {}): CloudTrailEvent => ({
  time: at(agoMs),
  eventName: "GetAuthorizationToken",
  eventSource: "ecr.amazonaws.com",
  errorCode: null,
  errorMessage: null,
  accessKeyId,
  sourceIp: "20.1.2.3",
  userAgent: GH_UA,
  region: "us-east-1",
  ...over,
});
const run = (id: number, agoMs: number, conclusion = "success"): WorkflowRunInfo => ({
  id,
  createdAt: at(agoMs),
  updatedAt: at(agoMs - 5 * MINUTE_MS),
  conclusion,
});
const correlate = (over: Partial<CorrelationInput>) =>
  correlateSecretKey({ secrets: [], keys: [], events: [], runs: [], now: new Date(NOW), ...over });

describe("isGithubActionsUserAgent", () => {
  it("recognises runner user agents", () => {
    expect(isGithubActionsUserAgent(GH_UA)).toBe(true);
    expect(isGithubActionsUserAgent("aws-actions/configure-aws-credentials@v4")).toBe(true);
    expect(isGithubActionsUserAgent("github-actions")).toBe(true);
    expect(isGithubActionsUserAgent(CLI_UA)).toBe(false);
    expect(isGithubActionsUserAgent(null)).toBe(false);
  });
});

describe("correlateSecretKey", () => {
  it("singles out the key GitHub runners sign with after the secret was written", () => {
    const r = correlate({
      secrets: secrets(97 * DAY_MS - 5 * MINUTE_MS),
      keys: [key("AKIAOLD", 97 * DAY_MS, { lastUsed: { date: at(HOUR_MS), service: "ecr", region: "us-east-1" } })],
      events: [event("AKIAOLD", 2 * DAY_MS + MINUTE_MS), event("AKIAOLD", HOUR_MS)],
      runs: [run(11, 2 * DAY_MS + 2 * MINUTE_MS)],
    });
    expect(r.mostLikely?.accessKeyId).toBe("AKIAOLD");
    expect(r.mostLikely?.level).toBe("high");
    expect(r.mostLikely!.confidence).toBeGreaterThanOrEqual(0.9);
    expect(r.mostLikely!.evidence.join("\n")).toMatch(/2 call\(s\) from GitHub Actions runners since the secret was written \(2 succeeded\)/);
    expect(r.mostLikely!.evidence.join("\n")).toMatch(/during workflow run\(s\) #11 \(success\)/);
    expect(r.flags).toEqual([]);
  });

  it("a key created after the secret was written cannot be held, and the secret is stale", () => {
    const r = correlate({
      secrets: secrets(30 * DAY_MS),
      keys: [key("AKIAOLD", 97 * DAY_MS), key("AKIANEW", HOUR_MS)],
      events: [event("AKIAOLD", 3 * HOUR_MS)],
    });
    expect(r.mostLikely?.accessKeyId).toBe("AKIAOLD");
    const newCand = r.candidates.find((c) => c.accessKeyId === "AKIANEW")!;
    expect(newCand.possible).toBe(false);
    expect(r.flags.map((f) => f.code).sort()).toEqual(["cannot-hold", "stale-secret"]);
    expect(r.flags.find((f) => f.code === "stale-secret")!.message).toMatch(/before the newest key AKIANEW was created/);
  });

  it("after a rotation the new key, created minutes before the write and used by runners, wins", () => {
    const r = correlate({
      secrets: secrets(HOUR_MS - 3 * MINUTE_MS),
      keys: [key("AKIAOLD", 97 * DAY_MS, { status: "Inactive", lastUsed: { date: at(2 * HOUR_MS), service: "ecr", region: "us-east-1" } }), key("AKIANEW", HOUR_MS)],
      events: [event("AKIAOLD", 2 * HOUR_MS), event("AKIANEW", 30 * MINUTE_MS)],
    });
    expect(r.mostLikely?.accessKeyId).toBe("AKIANEW");
    expect(r.mostLikely!.evidence.join("\n")).toMatch(/created 3 min before the secret was written, as when a new key is pasted in/);
    const old = r.candidates.find((c) => c.accessKeyId === "AKIAOLD")!;
    expect(old.evidence.join("\n")).toMatch(/only before the secret was last written/);
    expect(r.flags).toEqual([]);
  });

  it("without CloudTrail, elimination gives a low-confidence answer", () => {
    const r = correlate({ secrets: secrets(10 * DAY_MS), keys: [key("AKIAONLY", 20 * DAY_MS)] });
    expect(r.mostLikely?.accessKeyId).toBe("AKIAONLY");
    expect(r.mostLikely?.level).toBe("low");
    expect(r.mostLikely!.confidence).toBeLessThan(0.5);
    expect(r.mostLikely!.evidence).toEqual(["the only existing key that was created before the secret was written"]);
  });

  it("IAM last use after the write is medium evidence", () => {
    const r = correlate({
      secrets: secrets(10 * DAY_MS),
      keys: [
        key("AKIAA", 20 * DAY_MS, { lastUsed: { date: at(DAY_MS), service: "ecr", region: "us-east-1" } }),
        key("AKIAB", 15 * DAY_MS, { lastUsed: { date: at(12 * DAY_MS), service: "s3", region: "us-east-1" } }),
      ],
    });
    expect(r.mostLikely?.accessKeyId).toBe("AKIAA");
    expect(r.mostLikely?.level).toBe("medium");
  });

  it("a deleted key still used by runners after the write is flagged", () => {
    const r = correlate({
      secrets: secrets(10 * DAY_MS),
      keys: [key("AKIALIVE", 5 * DAY_MS)],
      events: [event("AKIAGONE", 3 * DAY_MS), event("AKIAGONE", 2 * DAY_MS, { errorCode: "AccessDenied" })],
    });
    expect(r.mostLikely?.accessKeyId).toBe("AKIAGONE");
    expect(r.mostLikely?.inIam).toBe(false);
    expect(r.flags.map((f) => f.code)).toContain("deleted-key");
    expect(r.flags.find((f) => f.code === "deleted-key")!.message).toMatch(/The AWS Access Key Id you provided does not exist/);
  });

  it("no key consistent at all", () => {
    const r = correlate({ secrets: secrets(10 * DAY_MS), keys: [key("AKIANEW", 2 * DAY_MS)] });
    expect(r.mostLikely).toBeNull();
    expect(r.flags.map((f) => f.code)).toEqual(["cannot-hold", "stale-secret", "no-consistent-key"]);
  });

  it("flags the held key when it is inactive", () => {
    const r = correlate({
      secrets: secrets(10 * DAY_MS),
      keys: [key("AKIAOFF", 20 * DAY_MS, { status: "Inactive" })],
      events: [event("AKIAOFF", DAY_MS, { errorCode: "InvalidClientTokenId" })],
    });
    expect(r.mostLikely?.accessKeyId).toBe("AKIAOFF");
    expect(r.flags.map((f) => f.code)).toContain("held-key-inactive");
  });

  it("a key idle through successful runs loses to the one used in them", () => {
    const r = correlate({
      secrets: secrets(10 * DAY_MS),
      keys: [
        key("AKIAIDLE", 30 * DAY_MS, { lastUsed: { date: at(20 * DAY_MS), service: "ecr", region: "us-east-1" } }),
        key("AKIABUSY", 25 * DAY_MS, { lastUsed: { date: at(DAY_MS), service: "ecr", region: "us-east-1" } }),
      ],
      events: [event("AKIABUSY", DAY_MS)],
      runs: [run(7, DAY_MS + MINUTE_MS)],
    });
    expect(r.mostLikely?.accessKeyId).toBe("AKIABUSY");
    const idle = r.candidates.find((c) => c.accessKeyId === "AKIAIDLE")!;
    expect(idle.score).toBeLessThan(0);
    expect(idle.evidence.join()).toMatch(/not used during successful run\(s\) #7/);
  });

  it("use from an address and agent that match neither a runner nor Deckhand is evidence of another holder, with why", () => {
    const r = correlate({
      secrets: secrets(10 * DAY_MS),
      keys: [key("AKIAA", 20 * DAY_MS)],
      events: [event("AKIAA", DAY_MS), event("AKIAA", DAY_MS, { userAgent: CLI_UA, sourceIp: "203.0.113.9" })],
    });
    expect(r.mostLikely!.evidence.join("\n")).toMatch(/someone other than GitHub Actions and Deckhand .* from 203\.0\.113\.9 with aws-cli\/2\.15\.0: not a GitHub Actions agent/);
    expect(r.flags.find((f) => f.code === "used-elsewhere")).toMatchObject({ severity: "warn", accessKeyId: "AKIAA" });
  });

  it("the AWS CLI and docker from the runner's own address are the runner, not a stranger", () => {
    const docker = "docker/26.1.3 go/go1.21.10 git-commit/8e96db1 kernel/6.5.0-1025-azure os/linux arch/amd64";
    const r = correlate({
      secrets: secrets(10 * DAY_MS),
      keys: [key("AKIAA", 20 * DAY_MS)],
      events: [
        event("AKIAA", DAY_MS, { sourceIp: "20.44.1.7" }),
        event("AKIAA", DAY_MS - MINUTE_MS, { userAgent: CLI_UA, sourceIp: "20.44.1.7" }),
        event("AKIAA", DAY_MS - 2 * MINUTE_MS, { userAgent: docker, sourceIp: "20.44.1.7" }),
      ],
    });
    expect(r.flags.map((f) => f.code)).not.toContain("used-elsewhere");
    expect(r.mostLikely!.evidence.join("\n")).not.toMatch(/someone other/);
    expect(r.mostLikely!.evidence.join("\n")).toMatch(/3 call\(s\) from GitHub Actions runners/);
  });

  it("docker during a workflow run from another runner address is the run's", () => {
    const r = correlate({
      secrets: secrets(10 * DAY_MS),
      keys: [key("AKIAA", 20 * DAY_MS)],
      events: [event("AKIAA", DAY_MS + 30 * MINUTE_MS, { userAgent: "docker/26.1.3 go/go1.21.10", sourceIp: "52.1.1.1" })],
      runs: [run(9, DAY_MS + 31 * MINUTE_MS)],
    });
    expect(r.flags.map((f) => f.code)).not.toContain("used-elsewhere");
  });

  it("Deckhand's own calls (its agent, or while it verified the key) are never a stranger; its own write makes the key certain", () => {
    const written = new Date(NOW - 10 * MINUTE_MS).toISOString();
    const r = correlate({
      secrets: secrets(10 * MINUTE_MS),
      keys: [key("AKIAOLD", 40 * DAY_MS), key("AKIANEW", 12 * MINUTE_MS)],
      events: [
        event("AKIANEW", 11 * MINUTE_MS, { userAgent: "aws-sdk-js/3.1000.0 ua/2.0 os/linux lang/js md/nodejs#20 api/sts#3 deckhand/0.1.0", sourceIp: "10.0.0.5", eventName: "GetCallerIdentity" }),
        event("AKIANEW", 11 * MINUTE_MS + 20_000, { userAgent: "aws-sdk-js/3.1000.0 ua/2.0 api/ecr#3", sourceIp: "10.0.0.5", eventName: "GetAuthorizationToken" }),
      ],
      ownUses: [{ accessKeyId: "AKIANEW", from: new Date(NOW - 12 * MINUTE_MS).toISOString(), to: new Date(NOW - 11 * MINUTE_MS).toISOString() }],
      ownWrites: [{ accessKeyId: "AKIANEW", at: written, by: "rotation #3" }],
    });
    expect(r.flags.map((f) => f.code)).not.toContain("used-elsewhere");
    expect(r.mostLikely).toMatchObject({ accessKeyId: "AKIANEW", level: "high" });
    expect(r.mostLikely!.evidence.join("\n")).toMatch(/Deckhand wrote AWS_ACCESS_KEY_ID itself with this key at .* \(rotation #3\)/);
  });

  it("two rotations minutes apart: only the write the secret holds counts, never a tie with the replaced key", () => {
    // Rotation #1 wrote AKIAMID, rotation #2 replaced it with AKIANEW 90 s later; GitHub's updated_at is #2's.
    const first = new Date(NOW - 10 * MINUTE_MS - 90_000).toISOString();
    const second = new Date(NOW - 10 * MINUTE_MS).toISOString();
    const keys = [key("AKIAMID", 11 * MINUTE_MS + 30_000, { status: "Inactive" }), key("AKIANEW", 10 * MINUTE_MS + 30_000)];
    const writes = [
      { accessKeyId: "AKIAMID", at: first, by: "rotation #1" },
      { accessKeyId: "AKIANEW", at: second, by: "rotation #2" },
    ];
    const exact = correlate({ secrets: secrets(10 * MINUTE_MS), keys, ownWrites: writes });
    expect(exact.mostLikely).toMatchObject({ accessKeyId: "AKIANEW", level: "high" });
    expect(exact.mostLikely!.evidence.join("\n")).not.toMatch(/tied with/);
    expect(exact.flags.map((f) => f.code)).not.toContain("held-key-inactive");
    // Recorded times a few seconds off GitHub's (older rotations recorded their own clock): the newer write still wins.
    const off = correlate({ secrets: secrets(10 * MINUTE_MS - 3000), keys, ownWrites: writes });
    expect(off.mostLikely).toMatchObject({ accessKeyId: "AKIANEW" });
    expect(off.mostLikely!.evidence.join("\n")).toMatch(/\(rotation #2\)/);
  });

  it("a tie lowers the confidence and says so", () => {
    const r = correlate({
      secrets: secrets(10 * DAY_MS),
      keys: [key("AKIAA", 20 * DAY_MS), key("AKIAB", 20 * DAY_MS)],
      events: [event("AKIAA", DAY_MS), event("AKIAB", DAY_MS)],
    });
    expect(r.mostLikely?.level).toBe("low");
    expect(r.mostLikely!.evidence.join()).toMatch(/tied with/);
  });

  it("secrets written apart and a missing secret are flagged", () => {
    const apart = correlate({ secrets: secrets(10 * DAY_MS, 2 * DAY_MS), keys: [key("AKIAA", 20 * DAY_MS)] });
    expect(apart.flags.map((f) => f.code)).toContain("secret-pair-mismatch");
    expect(apart.flags.find((f) => f.code === "secret-pair-mismatch")!.message).toMatch(/AWS_SECRET_ACCESS_KEY later/);
    const missing = correlate({ secrets: [], keys: [key("AKIAA", 20 * DAY_MS)] });
    expect(missing.mostLikely).toBeNull();
    expect(missing.flags[0].code).toBe("missing-secret");
  });

  it("tolerates small clock differences between GitHub and AWS", () => {
    // The key's creation is stamped 1 minute after GitHub's write time: clock skew, not impossibility.
    const r = correlate({ secrets: secrets(HOUR_MS), keys: [key("AKIAA", HOUR_MS - MINUTE_MS)] });
    expect(r.candidates[0].possible).toBe(true);
    expect(r.flags).toEqual([]);
  });
});

describe("deleted keys that are not the answer", () => {
  it("are still reported, as information", () => {
    const r = correlateSecretKey({
      secrets: secrets(10 * DAY_MS),
      keys: [key("AKIALIVE", 20 * DAY_MS)],
      events: [event("AKIAGONE", 30 * DAY_MS), event("AKIALIVE", DAY_MS)],
      runs: [],
      now: new Date(NOW),
    });
    expect(r.mostLikely?.accessKeyId).toBe("AKIALIVE");
    expect(r.flags.map((x) => x.code)).not.toContain("deleted-key");
    const f = r.flags.find((x) => x.code === "deleted-key-seen")!;
    expect(f.severity).toBe("info");
    expect(f.accessKeyId).toBe("AKIAGONE");
  });
});
