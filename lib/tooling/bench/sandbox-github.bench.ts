/**
 * GitHub half of the sandbox at `--scale large`: how long seeding 2,000 extra workflow runs takes, and how
 * fast run listings answer over HTTP. Goals: seed in a few seconds; a 100-run page well under 200 ms.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { defaultSandboxOptions, startSandbox } from "../../sandbox/server";

export default async function benchSandboxGithub(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-sandbox-github-"));
  const t0 = performance.now();
  const sb = await startSandbox(defaultSandboxOptions({ port: 0, dataDir, scale: "large", deckhandUrl: "http://127.0.0.1:9" }));
  const seedMs = performance.now() - t0;
  const auth = { authorization: "token ghp_sandboxadmintoken" };
  try {
    const total = (sb.ctx.db.prepare(`SELECT count(*) AS n FROM gh_runs`).get() as { n: number }).n;
    console.log(`start + seed (AWS and GitHub, scale large): ${seedMs.toFixed(0)} ms, ${total} workflow runs (goal: a few seconds)`);
    const time = async (label: string, url: string, n = 10) => {
      const samples: number[] = [];
      for (let i = 0; i < n; i++) {
        const t = performance.now();
        const res = await fetch(`${sb.url}/api/v3${url}`, { headers: auth });
        await res.arrayBuffer();
        samples.push(performance.now() - t);
      }
      samples.sort((a, b) => a - b);
      console.log(`${label}: median ${samples[Math.floor(n / 2)].toFixed(1)} ms, max ${samples[n - 1].toFixed(1)} ms (goal: < 200 ms)`);
    };
    await time("list runs, 100 per page, page 1", "/repos/acme/mcp-servers/actions/runs?per_page=100");
    await time("list runs, 100 per page, page 20", "/repos/acme/mcp-servers/actions/runs?per_page=100&page=20");
    await time("list runs, status=failure", "/repos/acme/mcp-servers/actions/runs?per_page=100&status=failure");
    await time("jobs of one run", `/repos/acme/mcp-servers/actions/runs/${(sb.ctx.db.prepare(`SELECT id FROM gh_runs LIMIT 1`).get() as { id: number }).id}/jobs`);
  } finally {
    await sb.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
