import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import YAML from "yaml";
import { planDeckhandPushes, type DeckhandPushesPlan } from "./deckhand-pushes";
import { commandsOf, judgeScript } from "./push-commands";
import { unifiedDiff } from "./unified-diff";

const SEED = fs.readFileSync(path.join(process.cwd(), "lib/sandbox/github/fixtures/mcp-servers/.github/workflows/ecr.yml"), "utf8");

function edited(p: DeckhandPushesPlan): string {
  if (!p.ok) throw new Error(`refused: ${p.reason}`);
  if (p.change !== "edit") throw new Error("deleted instead of edited");
  // Whatever comes out must still be a valid workflow.
  expect(YAML.parseDocument(p.after).errors).toEqual([]);
  return p.after;
}
const reason = (p: DeckhandPushesPlan) => (p.ok ? "" : p.reason);
const steps = (p: DeckhandPushesPlan) => (p.ok ? p.removed.map((r) => `${r.job}/${r.step ?? "-"}`) : []);

describe("the sandbox's (the guide's) ECR workflow", () => {
  it("is all push: the job and then the file go", () => {
    const p = planDeckhandPushes(SEED);
    expect(p).toMatchObject({ ok: true, change: "delete", after: null });
    expect(steps(p)).toEqual([
      "build-and-push/Configure AWS credentials",
      "build-and-push/Login to Amazon ECR",
      "build-and-push/Build and push images",
      "build-and-push/-",
      "*/-",
    ]);
  });

  it("with a test step, keeps checkout and the tests, byte for byte, and nothing else", () => {
    const withTests = SEED.replace("      - name: Configure AWS", "      # unit tests first\n      - name: Test   # quick\n        run: npm test\n\n      - name: Configure AWS");
    const after = edited(planDeckhandPushes(withTests));
    expect(after).toBe(
      [
        "name: Build and Push to AWS ECR",
        "",
        "on:",
        "  push:",
        "    branches: [main]",
        "  workflow_dispatch:",
        "",
        "jobs:",
        "  build-and-push:",
        "    runs-on: ubuntu-latest",
        "    permissions:",
        "      contents: read",
        "    steps:",
        "      - name: Checkout",
        "        uses: actions/checkout@v4",
        "",
        "      # unit tests first",
        "      - name: Test   # quick",
        "        run: npm test",
        "",
      ].join("\n"),
    );
  });
});

describe("several jobs", () => {
  const WF = `# CI for the servers
name: ci
on: [push]
env:
  AWS_REGION: eu-west-1   # where ECR lives
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: npm ci && npm test

  # images
  images:
    needs: test
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: aws-actions/configure-aws-credentials@v4
        with: { role-to-assume: arn:aws:iam::123456789012:role/push, aws-region: eu-west-1 }
      - uses: aws-actions/amazon-ecr-login@v2
      - name: Build
        run: docker compose build
      - name: Push
        run: |
          # every service
          docker compose push

  deploy:
    needs: [test, images]
    runs-on: ubuntu-latest
    steps:
      - run: ./deploy-notes.txt-reader --dry-run
  notify:
    needs:
      - images
      - test
    runs-on: ubuntu-latest
    steps:
      - run: echo done
`;

  it("removes the job that only pushed and drops it from the others' needs, keeping comments", () => {
    const p = planDeckhandPushes(WF);
    const after = edited(p);
    expect(after).toContain("# CI for the servers");
    expect(after).toContain("  AWS_REGION: eu-west-1   # where ECR lives");
    expect(after).not.toContain("images:");
    expect(after).not.toContain("# images");
    expect(after).toContain("    needs: [test]\n");
    expect(after).toContain("    needs:\n      - test\n");
    expect(after).not.toContain("docker compose");
    expect(after).toContain("  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: npm ci && npm test\n\n  deploy:");
    expect(steps(p)).toEqual([
      "images/aws-actions/configure-aws-credentials@v4",
      "images/aws-actions/amazon-ecr-login@v2",
      "images/Build",
      "images/Push",
      "images/-",
      "deploy/-",
      "notify/-",
    ]);
    const build = p.ok ? p.removed.find((r) => r.step === "Build") : undefined;
    expect(build?.why).toMatch(/only for the removed push/);
  });

  it("refuses when a kept job reads the removed job's outputs", () => {
    const wf = WF.replace("      - run: echo done", "      - run: echo ${{ needs.images.outputs.tag }}");
    expect(reason(planDeckhandPushes(wf))).toMatch(/Job "notify" uses the outputs of job "images"/);
  });
});

describe("docker/build-push-action", () => {
  const WF = `name: release
on:
  push:
    branches: [main]
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - name: Lint Dockerfile
        run: hadolint Dockerfile
      - uses: docker/setup-buildx-action@v3
      - uses: aws-actions/configure-aws-credentials@v4
        with:
          role-to-assume: \${{ secrets.ROLE }}
          aws-region: us-east-1
      - id: ecr
        uses: aws-actions/amazon-ecr-login@v2
      - id: meta
        uses: docker/metadata-action@v5
        with:
          images: \${{ steps.ecr.outputs.registry }}/app
      - name: "🚢  ship it"
        uses: docker/build-push-action@v6
        with:
          push: true
          tags: \${{ steps.meta.outputs.tags }}
`;

  it("removes login, tags, buildx, credentials and the push; the lint stays", () => {
    const p = planDeckhandPushes(WF);
    const after = edited(p);
    expect(after).toBe(`name: release
on:
  push:
    branches: [main]
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - name: Lint Dockerfile
        run: hadolint Dockerfile
`);
    expect(steps(p)).toEqual(["build/docker/setup-buildx-action@v3", "build/aws-actions/configure-aws-credentials@v4", "build/aws-actions/amazon-ecr-login@v2", "build/docker/metadata-action@v5", "build/🚢  ship it"]);
  });

  it("refuses a conditional push and a push that also goes to another registry", () => {
    expect(reason(planDeckhandPushes(WF.replace("push: true", "push: ${{ github.event_name != 'pull_request' }}")))).toMatch(/pushes only when/);
    expect(reason(planDeckhandPushes(WF.replace("tags: ${{ steps.meta.outputs.tags }}", "tags: ghcr.io/acme/app:latest")))).toMatch(/also pushes to ghcr\.io/);
  });

  it("keeps a build that does not push (push: false), and then refuses: nothing pushes", () => {
    expect(reason(planDeckhandPushes(WF.replace("push: true", "push: false")))).toMatch(/found no step that pushes to ECR/);
  });

  it("keeps the AWS credentials when a kept step still uses the AWS CLI", () => {
    const after = edited(planDeckhandPushes(WF.replace("run: hadolint Dockerfile", "run: aws s3 sync ./site s3://acme-site")));
    expect(after).toContain("configure-aws-credentials");
    expect(after).not.toContain("amazon-ecr-login");
  });
});

describe("refusals", () => {
  it("a push inside a script file", () => {
    const wf = `on: push\njobs:\n  push:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: ./scripts/push-images.sh\n`;
    expect(reason(planDeckhandPushes(wf))).toMatch(/runs `\.\/scripts\/push-images\.sh` in job "push", which is where the push happens/);
  });

  it("a reusable workflow", () => {
    const wf = `on: push\njobs:\n  images:\n    uses: acme/shared/.github/workflows/ecr.yml@main\n    secrets: inherit\n`;
    expect(reason(planDeckhandPushes(wf))).toMatch(/calls a reusable workflow/);
  });

  it("a step that pushes and tests in one script", () => {
    const wf = SEED.replace("          docker compose build\n", "          npm test\n          docker compose build\n");
    expect(reason(planDeckhandPushes(wf))).toMatch(/"Build and push images" in job "build-and-push" pushes images but also runs other commands/);
  });

  it("a script file next to an inline push, named like it may push too", () => {
    const wf = SEED.replace("      - name: Build and push images", "      - run: make publish-images\n      - name: Build and push images");
    expect(reason(planDeckhandPushes(wf))).toMatch(/also runs `make publish-images`/);
  });

  it("a kept step reading a removed step's outputs", () => {
    const wf = SEED.replace("      - name: Configure AWS", "      - name: Show registry\n        run: echo ${{ steps.login-ecr.outputs.registry }} > registry.txt && npm test\n      - name: Configure AWS");
    expect(reason(planDeckhandPushes(wf))).toMatch(/"Show registry" .* uses the outputs of "Login to Amazon ECR"/);
  });

  it("an anchor defined in a removed step and reused elsewhere", () => {
    const wf =
      SEED.replace("        env:\n          REGISTRY:", "        env: &pushenv\n          REGISTRY:") +
      "  other:\n    runs-on: ubuntu-latest\n    steps:\n      - run: npm test\n        env: *pushenv\n";
    expect(reason(planDeckhandPushes(wf))).toMatch(/anchor &pushenv/);
  });

  it("invalid YAML, no jobs, and nothing that pushes", () => {
    expect(reason(planDeckhandPushes("on: [push\njobs: {"))).toMatch(/not valid YAML/);
    expect(reason(planDeckhandPushes("name: x\non: push\n"))).toMatch(/no jobs/);
    expect(reason(planDeckhandPushes("on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - run: npm test\n"))).toMatch(/found no step that pushes/);
  });

  it("a push to another registry in a script", () => {
    const wf = SEED.replace('docker push "$REGISTRY/$service:latest"', "docker push ghcr.io/acme/$service:latest");
    expect(reason(planDeckhandPushes(wf))).toMatch(/also pushes to ghcr\.io/);
  });
});

describe("anchors and odd forms that are fine", () => {
  it("an aliased login step in a second job goes like the first", () => {
    const wf = `on: push
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - run: npm test
      - &login
        name: Login
        uses: aws-actions/amazon-ecr-login@v2
      - run: docker push 123456789012.dkr.ecr.us-east-1.amazonaws.com/a:latest
  b:
    runs-on: ubuntu-latest
    steps:
      - run: go test ./...
      - *login
      - run: docker-compose push
`;
    const p = planDeckhandPushes(wf);
    const after = edited(p);
    expect(after).toBe(`on: push
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - run: npm test
  b:
    runs-on: ubuntu-latest
    steps:
      - run: go test ./...
`);
  });
});

describe("push-commands", () => {
  it("splits commands on separators, outside quotes and expressions", () => {
    expect(commandsOf(`echo "a | b; c" && docker push x || true\n# comment\nfor s in $(docker compose config --services); do echo $s; done`)).toEqual([
      'echo "Q"',
      "docker push x",
      "true",
      "for s in",
      "docker compose config --services",
      "echo $s",
      "done",
    ]);
  });

  it("judges the guide's script as push work only", () => {
    const run = (YAML.parse(SEED) as { jobs: { "build-and-push": { steps: Array<{ run?: string }> } } }).jobs["build-and-push"].steps.find((s) => s.run)!.run!;
    expect(judgeScript(run)).toMatchObject({ pushes: true, onlyPushWork: true, builds: true, usesAws: true, otherRegistry: null, scriptCalls: [] });
    expect(judgeScript("docker buildx build --push -t x .")).toMatchObject({ pushes: true, onlyPushWork: true });
    expect(judgeScript("docker build -t x . && pytest")).toMatchObject({ pushes: false, onlyPushWork: false });
  });
});

describe("unifiedDiff", () => {
  it("is git's unified form, with /dev/null for a deleted file and nothing for no change", () => {
    const d = unifiedDiff("w.yml", "a\nb\nc\n", "a\nc\n");
    expect(d).toBe("--- a/w.yml\n+++ b/w.yml\n@@ -1,3 +1,2 @@\n a\n-b\n c\n");
    expect(unifiedDiff("w.yml", "a\n", null)).toBe("--- a/w.yml\n+++ /dev/null\n@@ -1,1 +0,0 @@\n-a\n");
    expect(unifiedDiff("w.yml", "a\n", "a\n")).toBe("");
  });
});
