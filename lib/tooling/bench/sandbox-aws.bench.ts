/**
 * AWS sandbox throughput on the large account (200 repositories, 100,000 images, 20,000 CloudTrail events):
 * seeding time, then DescribeImages and LookupEvents through the real v3 SDK (SigV4 signing and
 * verification included). Goal (issue 3): the sandbox is never the bottleneck of a Deckhand benchmark,
 * i.e. well above the few requests per second a dashboard page or push job makes.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ECRClient, DescribeImagesCommand } from "@aws-sdk/client-ecr";
import { CloudTrailClient, LookupEventsCommand } from "@aws-sdk/client-cloudtrail";
import { defaultSandboxOptions, startSandbox } from "../../sandbox/server";
import { ADMIN_ACCESS_KEY_ID, ADMIN_SECRET_ACCESS_KEY } from "../../sandbox/aws/errors";
import { LARGE_EVENTS, LARGE_IMAGES, LARGE_REPOS } from "../../sandbox/aws/seed-large";

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

async function measure(name: string, total: number, concurrency: number, call: (i: number) => Promise<void>): Promise<void> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const i = next++;
        const t0 = performance.now();
        await call(i);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const secs = (performance.now() - started) / 1000;
  console.log(`${name}: ${total} requests, concurrency ${concurrency}: ${(total / secs).toFixed(0)} req/s, p50 ${pct(latencies, 50).toFixed(1)} ms, p99 ${pct(latencies, 99).toFixed(1)} ms`);
}

export default async function benchSandboxAws(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "deckhand-bench-aws-"));
  const seedStarted = performance.now();
  const cpu = process.cpuUsage();
  const sb = await startSandbox(defaultSandboxOptions({ port: 0, dataDir, scale: "large" }));
  const used = process.cpuUsage(cpu);
  // CPU time as well as wall time: on a shared, loaded machine the wall clock says more about the neighbours.
  console.log(
    `seeded large account (${LARGE_REPOS} repositories, ${LARGE_IMAGES} images, ${LARGE_EVENTS} events, plus the default scenario and the GitHub half) in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s wall, ${((used.user + used.system) / 1e6).toFixed(1)} s CPU`,
  );
  try {
    const config = { endpoint: sb.url, region: "us-east-1", credentials: { accessKeyId: ADMIN_ACCESS_KEY_ID, secretAccessKey: ADMIN_SECRET_ACCESS_KEY }, maxAttempts: 1 };
    const ecr = new ECRClient(config);
    const ct = new CloudTrailClient(config);
    const repo = (i: number) => `bench/service-${String(i % LARGE_REPOS).padStart(3, "0")}`;

    let images = 0;
    await measure("DescribeImages (first page, 100 images)", 400, 8, async (i) => {
      const r = await ecr.send(new DescribeImagesCommand({ repositoryName: repo(i) }));
      images += r.imageDetails!.length;
    });
    // Deep pages exercise the keyset paging (each repository holds 500 images).
    await measure("DescribeImages (all 5 pages of a repository)", 60, 4, async (i) => {
      let nextToken: string | undefined;
      do {
        const r = await ecr.send(new DescribeImagesCommand({ repositoryName: repo(i * 7), nextToken }));
        nextToken = r.nextToken;
      } while (nextToken);
    });
    await measure("LookupEvents (newest 50)", 400, 8, async () => {
      await ct.send(new LookupEventsCommand({ MaxResults: 50 }));
    });
    await measure("LookupEvents (EventName filter, 50)", 400, 8, async (i) => {
      await ct.send(new LookupEventsCommand({ MaxResults: 50, LookupAttributes: [{ AttributeKey: "EventName", AttributeValue: i % 2 ? "PutImage" : "DescribeImages" }] }));
    });
    let deep = 0;
    await measure("LookupEvents (ResourceName, paging 10 pages deep)", 40, 4, async (i) => {
      let NextToken: string | undefined;
      for (let p = 0; p < 10; p++) {
        const r = await ct.send(new LookupEventsCommand({ MaxResults: 50, NextToken, LookupAttributes: [{ AttributeKey: "ResourceName", AttributeValue: repo(i) }] }));
        deep += r.Events!.length;
        NextToken = r.NextToken;
        if (!NextToken) break;
      }
    });
    console.log(`(checked: ${images} image details read, ${deep} events paged)`);
    console.log("goal: sandbox never the bottleneck; dashboard pages need a handful of these calls each");
  } finally {
    await sb.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
