import Link from "next/link";
import type { ReadContext } from "@/lib/read/context";
import { readTwoPushers } from "@/lib/read/overview";
import { formatUtc } from "@/lib/format";

/**
 * Both Deckhand and the repository's workflow push the same repositories: said on the Overview and the Doctor with
 * the two ways out. Renders nothing when there is one pusher or CloudTrail could not be read in time.
 */
export async function TwoPushersNotice({ ctx }: { ctx: ReadContext }) {
  const found = await readTwoPushers(ctx);
  if (!found.ok || found.data.repositories.length === 0) return null;
  const { repositories, windowDays } = found.data;
  const settingsUrl = `${ctx.github.webUrl}/${ctx.github.repository}/settings/hooks`;
  return (
    <section role="alert" data-testid="two-pushers" className="mb-4 rounded-lg border-2 border-amber-400 bg-amber-50 p-4 text-sm text-amber-950">
      <h2 className="font-semibold">Two pushers move latest</h2>
      <p className="mt-1">
        In the last {windowDays} days both Deckhand&apos;s worker and the repository&apos;s own workflow pushed to the same ECR repositories. Their builds
        differ, so neither can skip an unchanged image, and <code>latest</code> flips between the two on every commit.
      </p>
      <ul className="mt-2 list-disc pl-5">
        {repositories.map((r) => (
          <li key={r.repository} data-repository={r.repository}>
            <span className="font-mono">{r.repository}</span>: Deckhand {r.deckhand.count}× (last {formatUtc(r.deckhand.last)}), the workflow {r.workflow.count}× (last{" "}
            {formatUtc(r.workflow.last)})
          </li>
        ))}
      </ul>
      <p className="mt-2 font-medium">Keep one:</p>
      <ul className="list-disc pl-5">
        <li>
          <strong>Deckhand pushes</strong>: remove the build-and-push steps from the workflow &ldquo;{ctx.workflowName}&rdquo; (other jobs, such as tests, stay; a workflow that only pushes is deleted); Deckhand&apos;s worker
          already builds every pushed commit.{" "}
          <Link href="/workflows/deckhand-pushes" className="underline" data-testid="deckhand-pushes-link">
            See the change and open a pull request
          </Link>
          .
        </li>
        <li>
          <strong>The workflow pushes</strong>: turn Deckhand&apos;s webhook pushes off in{" "}
          <Link href="/settings" className="underline">
            Settings
          </Link>{" "}
          (or remove its webhook in the{" "}
          <a href={settingsUrl} className="underline">
            repository&apos;s webhook settings
          </a>
          ); Deckhand then only watches.
        </li>
      </ul>
    </section>
  );
}
