import { randomBytes, randomUUID } from "node:crypto";
import type { SandboxContext } from "../context";
import type { Principal, TrailResource } from "./call";
import { buildTrailEvent } from "./cloudtrail-event";
import { insertTrailEventsStatement, type TrailEventRow } from "./cloudtrail-store";
import { ACCOUNT_ID } from "./errors";
import { insertRepo, repoArn } from "./ecr-store";
import { buildLayer, pushSeedImage, type BuiltLayer } from "./seed-images";
import { DAY_MS } from "./seed-iam";

const CLI_AGENT = "aws-cli/2.15.40 md/awscrt#0.19.19 ua/2.0 os/linux#6.5.0-1025-azure md/arch#x86_64 lang/python#3.11.8 md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe md/distrib#ubuntu.22 md/prompt#off md/command#ecr.get-login-password";
const DOCKER_AGENT = "docker/26.1.3 go/go1.21.10 git-commit/8e96db1 kernel/6.5.0-1025-azure os/linux arch/amd64 UpstreamClient(Docker-Client/26.1.3 \\(linux\\))";
const SDK_AGENT = "aws-sdk-nodejs/2.1550.0 linux/v20.11.1 exec-env/GitHub_Actions promise";

export const randomSha = () => randomBytes(4).toString("hex").slice(0, 7);
const runnerIp = () => `20.${40 + Math.floor(Math.random() * 40)}.${Math.floor(Math.random() * 256)}.${1 + Math.floor(Math.random() * 254)}`;

export interface HistoryOptions {
  region: string;
  repos: string[];
  principal: Principal;
  now: number;
  /** When the inline policy lost ecr:CompleteLayerUpload: pushes after this fail. */
  driftMs: number;
  /** The last run (a failed push) happens here; it is also the key's last use. */
  lastRunMs: number;
}

/**
 * 90 days of a GitHub Actions push workflow, told consistently in ECR state and CloudTrail: each run logs
 * in, checks the repository and the `latest` digest, and pushes when the image changed. The first run
 * creates the repository; after the policy drift every push dies at CompleteLayerUpload with AccessDenied.
 */
export function seedEcrHistory(ctx: SandboxContext, o: HistoryOptions): void {
  const events: TrailEventRow[] = [];
  const principal = o.principal;
  const ev = (time: number, operation: string, agent: string, ip: string, requestParameters: Record<string, unknown> | null, extra: { response?: Record<string, unknown>; error?: { code: string; message: string }; repo?: string } = {}) => {
    const resources: TrailResource[] = extra.repo ? [{ type: "AWS::ECR::Repository", name: extra.repo, arn: repoArn(o.region, extra.repo) }] : [];
    events.push(buildTrailEvent({ principal, service: "ecr", operation, region: o.region, time: new Date(time), sourceIp: ip, userAgent: agent, requestParameters, responseElements: extra.response ?? null, error: extra.error, resources }));
  };
  const denied = (action: string, repo: string) => ({
    code: "AccessDeniedException",
    message: `User: ${principal.arn} is not authorized to perform: ${action} on resource: ${repoArn(o.region, repo)} because no identity-based policy allows the ${action} action`,
  });

  const firstRunMs = o.now - 88 * DAY_MS;
  const runEvery = 1.4 * DAY_MS;
  const runTimes: number[] = [];
  for (let t = firstRunMs; t < o.lastRunMs - DAY_MS / 2; t += runEvery) runTimes.push(t);
  runTimes.push(o.lastRunMs - 60_000);

  for (const [ri, repo] of o.repos.entries()) {
    const base = buildLayer(ctx, [{ name: "etc/os-release", content: 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.19.1\n' }, { name: "usr/local/bin/node", content: `#!/bin/sh\n# node runtime for ${repo}\n` }], Math.floor(firstRunMs / 1000));
    let created = false;
    let pushes = 0;
    for (const [i, startMs] of runTimes.entries()) {
      const isLast = i === runTimes.length - 1;
      // The last run belongs to the first repository so the key's very last use is a failed push.
      const t0 = isLast ? (ri === 0 ? o.lastRunMs - 93_000 : startMs - 3 * 3600_000) : startMs + ri * 3600_000;
      const ip = runnerIp();
      const wantsPush = !created || isLast || (i + ri) % 5 === 0;
      ev(t0, "GetAuthorizationToken", CLI_AGENT, ip, null);
      if (!created) {
        ev(t0 + 2_000, "DescribeRepositories", SDK_AGENT, ip, { repositoryNames: [repo] }, { error: { code: "RepositoryNotFoundException", message: `The repository with name '${repo}' does not exist in the registry with id '${ACCOUNT_ID}'` } });
        insertRepo(ctx.db, { region: o.region, name: repo, created_ms: t0 + 3_000, tag_mutability: "MUTABLE", scan_on_push: 0, encryption_type: "AES256" });
        ev(t0 + 3_000, "CreateRepository", SDK_AGENT, ip, { repositoryName: repo }, { repo, response: { repository: { repositoryName: repo, repositoryArn: repoArn(o.region, repo) } } });
        created = true;
      } else {
        ev(t0 + 2_000, "DescribeRepositories", SDK_AGENT, ip, { repositoryNames: [repo] }, { repo });
        ev(t0 + 3_000, "DescribeImages", SDK_AGENT, ip, { repositoryName: repo, imageIds: [{ imageTag: "latest" }] }, { repo });
      }
      if (!wantsPush) continue;
      const commit = randomSha();
      const pushAt = t0 + 90_000;
      const app: BuiltLayer = buildLayer(ctx, [{ name: "app/server.js", content: `// ${repo} at ${commit}\nrequire("./mcp").listen(${repo.endsWith("http") ? 8080 : 9000});\n` }, { name: "app/REVISION", content: commit }], Math.floor(pushAt / 1000));
      ev(pushAt, "BatchCheckLayerAvailability", DOCKER_AGENT, ip, { repositoryName: repo, layerDigests: [base.digest, app.digest] }, { repo });
      const uploadId = randomUUID();
      ev(pushAt + 1_000, "InitiateLayerUpload", DOCKER_AGENT, ip, { repositoryName: repo }, { repo, response: { uploadId, partSize: 20971520 } });
      ev(pushAt + 2_000, "UploadLayerPart", DOCKER_AGENT, ip, { repositoryName: repo, uploadId, partFirstByte: 0, partLastByte: app.size - 1 }, { repo });
      if (pushAt >= o.driftMs) {
        ev(pushAt + 3_000, "CompleteLayerUpload", DOCKER_AGENT, ip, { repositoryName: repo, uploadId, layerDigests: [app.digest] }, { repo, error: denied("ecr:CompleteLayerUpload", repo) });
        continue;
      }
      ev(pushAt + 3_000, "CompleteLayerUpload", DOCKER_AGENT, ip, { repositoryName: repo, uploadId, layerDigests: [app.digest] }, { repo, response: { layerDigest: app.digest, uploadId } });
      const digest = pushSeedImage(ctx, { region: o.region, repo, commit, pushedMs: pushAt + 4_000, layers: [base, app], cmd: ["node", "/app/server.js"], tags: [commit, "latest"] });
      ev(pushAt + 4_000, "PutImage", DOCKER_AGENT, ip, { repositoryName: repo, imageTag: commit }, { repo, response: { image: { imageId: { imageDigest: digest, imageTag: commit } } } });
      ev(pushAt + 5_000, "PutImage", DOCKER_AGENT, ip, { repositoryName: repo, imageTag: "latest" }, { repo, response: { image: { imageId: { imageDigest: digest, imageTag: "latest" } } } });
      pushes++;
    }
    // Someone once tried to list images by hand with the CI key: not in the policy.
    const listAt = o.now - (40 + ri) * DAY_MS;
    ev(listAt, "ListImages", CLI_AGENT.replace("ecr.get-login-password", "ecr.list-images"), "198.51.100.23", { repositoryName: repo }, { repo, error: denied("ecr:ListImages", repo) });
    void pushes;
    // The deployment pulls `latest` now and then: ECR shows it as lastRecordedPullTime.
    ctx.db
      .prepare(`UPDATE aws_ecr_images SET last_pull_ms = ? WHERE region = ? AND repo = ? AND digest = (SELECT digest FROM aws_ecr_tags WHERE region = ? AND repo = ? AND tag = 'latest')`)
      .run(o.now - (3 + ri) * DAY_MS, o.region, repo, o.region, repo);
  }
  const insert = insertTrailEventsStatement(ctx.db);
  for (const e of events.sort((a, b) => a.time_ms - b.time_ms)) insert.run(e);
}
