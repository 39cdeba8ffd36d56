import type { Metadata } from "next";
import Link from "next/link";
import { requireUser } from "@/lib/infra/auth/session";
import { pageReadContext, repoParamOf } from "@/lib/read/context";
import { withRepo } from "@/components/fleet/repo-href";
import { readDeckhandPushesPreview, type DeckhandPushesPreview } from "@/lib/read/deckhand-pushes";
import { getConfig } from "@/lib/infra/config/env";
import { servedRepositories } from "@/lib/infra/config/served-repositories";
import { formatUtc } from "@/lib/format";
import { PageHeader } from "@/components/page-header";
import { PartFailure } from "@/components/part-failure";
import { DiffView } from "@/components/workflows/diff-view";
import { OpenPullRequestForm } from "@/components/workflows/open-pull-request-form";
import { openDeckhandPushesAction } from "../actions";

export const metadata: Metadata = { title: "Deckhand pushes" };

const DESCRIPTION =
  "When both the workflow and Deckhand's worker push the same ECR repositories, latest flips between two builds. This change takes the push out of the workflow, through a pull request you review, and leaves Deckhand's worker the one pusher.";

/** Whether Deckhand's worker will push once the workflow stops: said before the change, never assumed. */
function DeckhandBuilds({ builds, repository, pushesHref }: { builds: DeckhandPushesPreview["deckhandBuilds"]; repository: string; pushesHref: string }) {
  const { webhookPushes, lastJob } = builds;
  const ready = webhookPushes && lastJob?.state === "succeeded";
  const tone = ready ? "border-emerald-300 bg-emerald-50 text-emerald-950" : "border-amber-300 bg-amber-50 text-amber-950";
  return (
    <section data-testid="deckhand-builds" data-ready={ready ? "true" : "false"} className={`mb-4 rounded-lg border p-4 text-sm ${tone}`} aria-labelledby="builds-heading">
      <h2 id="builds-heading" className="font-semibold">
        After the merge, who pushes {repository}?
      </h2>
      <ul className="mt-1 list-disc space-y-1 pl-5">
        <li>
          {webhookPushes ? (
            "Webhook pushes are on: Deckhand's worker builds and pushes every commit GitHub's push webhook announces."
          ) : (
            <>
              Webhook pushes are <strong>off</strong> in{" "}
              <Link href="/settings" className="underline">
                Settings
              </Link>
              : after this change nothing would push a new commit. Turn them on first.
            </>
          )}
        </li>
        <li>
          {lastJob ? (
            <>
              Deckhand&apos;s last push job for this repository{" "}
              <Link href={`/pushes/${lastJob.id}`} className="underline">
                {lastJob.state}
              </Link>{" "}
              (commit <span className="font-mono">{lastJob.sha.slice(0, 7)}</span>
              {lastJob.finishedAt ? <>, {formatUtc(lastJob.finishedAt)}</> : null}).
              {lastJob.state === "succeeded" ? null : " Make it succeed before you merge."}
            </>
          ) : (
            <>
              Deckhand has not built a commit of this repository yet: push one (or use{" "}
              <Link href={pushesHref} className="underline">
                Pushes
              </Link>
              ) and see it succeed before you merge.
            </>
          )}
        </li>
      </ul>
    </section>
  );
}

// The repository `?repo=` chooses: its workflow is previewed, and the pull request is opened there (the form sends it).
export default async function DeckhandPushesPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const user = await requireUser();
  const ctx = pageReadContext(await searchParams);
  const isDefault = servedRepositories(getConfig(), ctx.db)[0]?.repository.toLowerCase() === ctx.github.repository.toLowerCase();
  const part = await readDeckhandPushesPreview(ctx, { isDefault });
  if (!part.ok) {
    return (
      <>
        <PageHeader repository={ctx.github.repository} title="Deckhand pushes" description={DESCRIPTION} />
        <PartFailure failure={part.failure} />
      </>
    );
  }
  const { lookup, openPullRequest, branch, deckhandBuilds } = part.data;
  return (
    <>
      <PageHeader repository={ctx.github.repository} title="Deckhand pushes" description={DESCRIPTION} />
      <DeckhandBuilds builds={deckhandBuilds} repository={ctx.github.repository} pushesHref={withRepo("/pushes", repoParamOf(ctx))} />
      {openPullRequest ? (
        <section data-testid="open-pull-request" className="mb-4 rounded-lg border border-sky-300 bg-sky-50 p-4 text-sm text-sky-950">
          <h2 className="font-semibold">A pull request is open</h2>
          <p className="mt-1">
            <a href={openPullRequest.url} className="underline" data-testid="pull-request-link">
              #{openPullRequest.number} {openPullRequest.title}
            </a>{" "}
            from <code className="font-mono">{openPullRequest.headRef}</code> into <code className="font-mono">{openPullRequest.baseRef}</code>. Review and merge it on GitHub;
            Deckhand will not open another while it is open.
          </p>
        </section>
      ) : null}
      {!lookup.found ? (
        <p role="alert" className="rounded border border-amber-300 bg-amber-50 p-3 text-sm text-amber-950">
          {lookup.reason}
        </p>
      ) : !lookup.change.plan.ok ? (
        <section role="alert" data-testid="workflow-change-refused" className="rounded-lg border border-amber-300 bg-amber-50 p-4 text-sm text-amber-950">
          <h2 className="font-semibold">Deckhand will not change this workflow itself</h2>
          <p className="mt-1">{lookup.change.plan.reason}</p>
          <p className="mt-2">
            By hand: in <code className="font-mono">{lookup.change.workflow.path}</code>, remove the steps that log in to ECR, build, tag and push the images (keep the tests),
            and the AWS credentials step if nothing else uses it. Or keep the workflow as the pusher and turn Deckhand&apos;s webhook pushes off in{" "}
            <Link href="/settings" className="underline">
              Settings
            </Link>
            .
          </p>
        </section>
      ) : (
        <>
          <section className="mb-4 min-w-0 rounded-lg border border-slate-200 bg-white p-4" aria-labelledby="diff-heading">
            <h2 id="diff-heading" className="mb-1 font-semibold">
              {lookup.change.plan.change === "delete" ? "The change: delete the workflow file" : "The change"}
            </h2>
            <p className="mb-3 text-sm text-slate-600">
              <code className="font-mono">{lookup.change.workflow.path}</code> (“{lookup.change.workflow.name}”) on <code className="font-mono">{lookup.change.baseBranch}</code>.
            </p>
            <DiffView diff={lookup.change.diff} label={`Diff of ${lookup.change.workflow.path}`} />
          </section>
          <section className="mb-4 rounded-lg border border-slate-200 bg-white p-4 text-sm" aria-labelledby="removed-heading">
            <h2 id="removed-heading" className="mb-2 font-semibold">
              What goes, and why
            </h2>
            <ul className="list-disc space-y-1 pl-5" data-testid="removed-parts">
              {lookup.change.plan.removed.map((r, i) => (
                <li key={i}>
                  {r.job === "*" ? null : (
                    <>
                      <span className="font-mono">{r.job}</span>
                      {r.step ? <> › {r.step}</> : " (the whole job)"}:{" "}
                    </>
                  )}
                  {r.why}
                </li>
              ))}
            </ul>
            <p className="mt-2 text-slate-600">Everything else in the workflow stays as it is.</p>
          </section>
          {user.role === "operator" ? (
            // Rendered also once a pull request is open (without its button), so the answer of the click that opened
            // it stays on screen when the page refreshes.
            <section className={openPullRequest ? "" : "rounded-lg border border-slate-200 bg-white p-4"}>
              <OpenPullRequestForm action={openDeckhandPushesAction} branch={branch} base={lookup.change.baseBranch} alreadyOpen={openPullRequest !== null} repository={ctx.github.repository} />
            </section>
          ) : (
            <p className="text-sm text-slate-600" data-testid="viewer-note">
              Only operators can open the pull request.
            </p>
          )}
        </>
      )}
    </>
  );
}
