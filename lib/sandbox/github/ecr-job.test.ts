import { describe, expect, it } from "vitest";
import { assembleJob, checkoutLines, configureHeader, failedStep, timeSteps } from "./ecr-job";
import { outcomeAt } from "./seed-history";

const SHA = "c".repeat(40);

describe("assembleJob", () => {
  it("skips the steps after a failure and runs post steps only for actions whose main step ran, in reverse", () => {
    const job = assembleJob("acme/mcp-servers", "refs/heads/main", SHA, [
      { name: "Checkout", conclusion: "success", lines: checkoutLines("acme/mcp-servers", SHA) },
      failedStep("Configure AWS credentials", configureHeader("us-east-1", true, true), "The security token included in the request is invalid."),
    ]);
    expect(job.conclusion).toBe("failure");
    expect(job.steps.map((s) => [s.name, s.conclusion])).toEqual([
      ["Set up job", "success"],
      ["Checkout", "success"],
      ["Configure AWS credentials", "failure"],
      ["Login to Amazon ECR", "skipped"],
      ["Build and push images", "skipped"],
      ["Post Configure AWS credentials", "success"],
      ["Post Checkout", "success"],
      ["Complete job", "success"],
    ]);
  });

  it("never prints secret inputs, only ***", () => {
    expect(configureHeader("us-east-1", true, true).join("\n")).not.toMatch(/AKIA|aws-secret-access-key: [^*]/);
  });
});

describe("timeSteps", () => {
  it("spreads steps in order inside the job's window and stamps log lines like GitHub (7 fractional digits)", () => {
    const job = assembleJob("acme/mcp-servers", "refs/heads/main", SHA, [{ name: "Checkout", conclusion: "success", lines: ["a", "b"] }]);
    const start = new Date("2024-05-01T10:00:00Z");
    const end = new Date("2024-05-01T10:01:00Z");
    const { steps, log } = timeSteps(job, start, end);
    const times = steps.flatMap((s) => [Date.parse(s.started_at), Date.parse(s.completed_at)]);
    expect([...times].sort((x, y) => x - y)).toEqual(times);
    expect(times[0]).toBeGreaterThanOrEqual(start.getTime());
    expect(times[times.length - 1]).toBeLessThanOrEqual(end.getTime());
    expect(steps.map((s) => s.number)).toEqual(steps.map((_, i) => i + 1));
    expect(log.split("\n")[1]).toMatch(/^2024-05-01T10:00:\d{2}\.\d{7}Z /);
  });
});

describe("outcomeAt (seeded history)", () => {
  it("fails the first run on the region, fails pushes after the drift, and mixes outcomes", () => {
    const n = 36;
    const drift = 1000;
    const all = Array.from({ length: n }, (_, i) => outcomeAt(i, n, i < 30 ? 0 : 2000, drift));
    expect(all[0]).toBe("no-region");
    expect(all[n - 1]).toBe("push-denied");
    expect(new Set(all)).toEqual(new Set(["no-region", "bad-token", "push-denied", "cancelled", "success"]));
    expect(all.slice(0, 30)).not.toContain("push-denied");
  });
});
