/**
 * Warm builds (issue 15), side by side: two services, three commits, with the worker's kept build cache and without
 * (DECKHAND_BUILD_CACHE_BYTES=0), real git, buildah and the sandbox's ECR and registry.
 *
 * - `deps`: FROM scratch, COPY deps/ (20 MiB), COPY app/.
 * - `runner`: FROM a static busybox base (Debian's busybox-static, pushed to the sandbox's registry and pulled from
 *   it by buildah), COPY deps/, RUN sleep BENCH_RUN_SECONDS (default 20), COPY app/.
 * Commits: the first push, a one-line change in both app/ directories, a README change outside every context.
 * Figures per service: build seconds, blobs and bytes uploaded (and the share of the image's bytes), cached steps;
 * per job: seconds from the commit to `latest` moved (or to the decision "unchanged"), the worker's whole job
 * (mirror fetch, checkout, compose, builds, ECR) without the webhook and the queue.
 * Goals: the one-line change uploads < 1% of the image's bytes and completes in < 10 s; the README change is
 * decided in < 3 s with no build.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ECRClient, GetAuthorizationTokenCommand } from "@aws-sdk/client-ecr";
import { defaultSandboxOptions, startSandbox } from "../../sandbox/server";
import { BuildCache } from "../../integrations/build/build-cache";
import { buildImage } from "../../integrations/build/build-image";
import { detectBuilder } from "../../integrations/build/detect-builder";
import { pushImage } from "../../integrations/aws/push-image";
import { openDb } from "../../infra/db/open-db";
import { recentImageInputs } from "../../operations/pushes/build-records";
import { claimNextJob, enqueueJob, recordServiceResult } from "../../operations/pushes/job-store";
import { runPushJob } from "../../operations/pushes/run-push-job";
import type { ServiceOutcome } from "../../judgements/push/service-outcome";
import { scratchGitRepo } from "../testing/scratch-git-repo";

const MB = 1024 * 1024;

export default async function benchWarmPush(): Promise<void> {
  const runSeconds = Number(process.env.BENCH_RUN_SECONDS ?? 20);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "deckhand-bench-warm-"));
  const port = Number(process.env.BENCH_SANDBOX_PORT ?? 0);
  const sandbox = await startSandbox(defaultSandboxOptions({ port, dataDir: path.join(tmp, "sandbox"), keyPropagationMs: 50 }), { reset: true });
  const ecr = new ECRClient({
    endpoint: sandbox.url,
    region: "us-east-1",
    credentials: { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" },
  });
  const saved = { conf: process.env.CONTAINERS_REGISTRIES_CONF, auth: process.env.REGISTRY_AUTH_FILE };
  try {
    const builder = await detectBuilder({ preference: "buildah" });
    const host = new URL(sandbox.url).host;
    // buildah pulls the base image from the sandbox's registry: plain HTTP there, the ECR login a `docker login` uses.
    const data = (await ecr.send(new GetAuthorizationTokenCommand({}))).authorizationData![0];
    fs.writeFileSync(path.join(tmp, "registries.conf"), `[[registry]]\nlocation = "${host}"\ninsecure = true\n`);
    fs.writeFileSync(path.join(tmp, "auth.json"), JSON.stringify({ auths: { [host]: { auth: data.authorizationToken } } }));
    process.env.CONTAINERS_REGISTRIES_CONF = path.join(tmp, "registries.conf");
    process.env.REGISTRY_AUTH_FILE = path.join(tmp, "auth.json");

    const baseCtx = path.join(tmp, "base");
    fs.mkdirSync(baseCtx);
    fs.copyFileSync("/bin/busybox", path.join(baseCtx, "busybox"));
    fs.writeFileSync(path.join(baseCtx, "Dockerfile"), 'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "--install", "-s", "/bin"]\n');
    const base = await buildImage({ builder, context: baseCtx, dockerfile: path.join(baseCtx, "Dockerfile"), workDir: path.join(tmp, "base-work") });
    await pushImage({ ecr, repositoryName: "base/busybox", image: base, tags: ["1"] });
    const baseRef = `${host}/base/busybox:1`;

    const { dir: repo, commit } = scratchGitRepo(path.join(tmp, "repo"));
    const deps = crypto.randomBytes(20 * MB);
    const app = (v: string) => Array.from({ length: 40 }, (_, i) => (i === 20 ? `const version = "${v}";` : `line ${i}: some application code`)).join("\n") + "\n";
    const commits = [
      {
        name: "first push",
        sha: commit(
          {
            "compose.yaml": "services:\n  deps:\n    build: ./deps-svc\n  runner:\n    build: ./runner-svc\n",
            "deps-svc/Dockerfile": "FROM scratch\nCOPY deps/ /deps/\nCOPY app/ /app/\n",
            "deps-svc/deps/vendor.bin": deps,
            "deps-svc/app/main.js": app("1"),
            "runner-svc/Dockerfile": `FROM ${baseRef}\nCOPY deps/ /deps/\nRUN sleep ${runSeconds} && echo compiled > /compiled.txt\nCOPY app/ /app/\n`,
            "runner-svc/deps/vendor.bin": deps,
            "runner-svc/app/main.js": app("1"),
          },
          "first",
        ),
      },
      { name: "one-line app change", sha: commit({ "deps-svc/app/main.js": app("2"), "runner-svc/app/main.js": app("2") }, "one line") },
      { name: "change outside contexts", sha: commit({ "README.md": "docs\n" }, "docs") },
    ];

    const modes = [
      { name: "cache on", cache: new BuildCache(path.join(tmp, "worker-on", "build-cache"), 20 * 1024 ** 3), prefix: "on/" },
      { name: "cache off", cache: undefined, prefix: "off/" },
    ];
    type Row = { outcomes: ServiceOutcome[]; seconds: number; state: string };
    const results = new Map<string, Row>();
    for (const mode of modes) {
      const db = openDb(path.join(tmp, `store-${mode.prefix.slice(0, -1)}`));
      for (const c of commits) {
        // The store's part: the job record, and the inputs of recent images handed out with the claim.
        const job = enqueueJob(db, { sha: c.sha, branch: null, ref: null, trigger: "api", requestedBy: "bench" }).job;
        claimNextJob(db, { workerId: "bench" });
        const started = Date.now();
        const out = await runPushJob({
          remoteUrl: `file://${repo}`,
          commit: c.sha,
          prefix: mode.prefix,
          ecr,
          mirrorsDir: path.join(tmp, `mirrors-${mode.prefix.slice(0, -1)}`),
          workRoot: path.join(tmp, `job-${job.id}`),
          detect: async () => builder,
          cache: mode.cache,
          knownInputs: recentImageInputs(db),
        });
        const seconds = (Date.now() - started) / 1000;
        for (const o of out.services) {
          recordServiceResult(db, {
            jobId: job.id,
            workerId: "bench",
            attempt: 1,
            result: { service: o.service, repository: o.repositoryName, decision: o.result, detail: o.reason, localManifestDigest: o.localManifestDigest, remoteDigestBefore: o.remoteManifestDigestBefore, inputsDigest: o.inputsDigest },
          });
        }
        if (out.state === "failed") throw new Error(`${mode.name}, ${c.name}: ${out.message} ${out.services.map((s) => s.error ?? "").join(" ")}`);
        results.set(`${mode.name}|${c.name}`, { outcomes: out.services, seconds, state: out.state });
      }
      db.close();
    }

    const cell = (o: ServiceOutcome | undefined) => {
      if (!o) return "-";
      const share = o.imageBytes ? ` (${((100 * o.bytesUploaded) / o.imageBytes).toFixed(o.bytesUploaded && o.bytesUploaded < o.imageBytes / 100 ? 3 : 1)}%)` : "";
      const built = o.reason === "inputs-match" ? "not built" : `build ${(o.timings.buildMs / 1000).toFixed(1)} s${o.steps ? `, ${o.steps.cached}/${o.steps.total} cached` : ""}`;
      return `${built}; ${o.blobsUploaded} blobs, ${fmtBytes(o.bytesUploaded)}${share}; ${o.result} (${o.reason})`;
    };
    console.log(`two services (deps: 20 MiB deps + app; runner: busybox base, 20 MiB deps, RUN sleep ${runSeconds}, app), sandbox ECR at ${host}`);
    for (const c of commits) {
      console.log(`\n${c.name}`);
      for (const mode of modes) {
        const r = results.get(`${mode.name}|${c.name}`)!;
        console.log(`  ${mode.name.padEnd(9)} commit → ${c.name === "change outside contexts" ? "decision" : "latest moved"}: ${r.seconds.toFixed(1)} s (${r.state})`);
        for (const service of ["deps", "runner"]) console.log(`    ${service.padEnd(7)} ${cell(r.outcomes.find((o) => o.service === service))}`);
      }
    }
    const line = results.get("cache on|one-line app change")!;
    const docs = results.get("cache on|change outside contexts")!;
    const uploaded = line.outcomes.reduce((n, o) => n + o.bytesUploaded, 0);
    const total = line.outcomes.reduce((n, o) => n + (o.imageBytes ?? 0), 0);
    console.log(
      `\ngoals (cache on): one-line change uploads ${((100 * uploaded) / total).toFixed(3)}% of the images' bytes (goal < 1%) in ${line.seconds.toFixed(1)} s (goal < 10 s); ` +
        `change outside the contexts decided in ${docs.seconds.toFixed(1)} s (goal < 3 s), builds: ${docs.outcomes.filter((o) => o.reason !== "inputs-match").length} (goal 0)`,
    );
  } finally {
    if (saved.conf === undefined) delete process.env.CONTAINERS_REGISTRIES_CONF;
    else process.env.CONTAINERS_REGISTRIES_CONF = saved.conf;
    if (saved.auth === undefined) delete process.env.REGISTRY_AUTH_FILE;
    else process.env.REGISTRY_AUTH_FILE = saved.auth;
    ecr.destroy();
    await sandbox.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

function fmtBytes(n: number): string {
  return n >= MB ? `${(n / MB).toFixed(1)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} B`;
}
