import Link from "next/link";
import type { FleetRowView } from "@/lib/read/fleet";
import type { StoppedOperation } from "@/lib/read/overview";
import type { PushAnswer } from "@/lib/judgements/posture/push-readiness";
import type { AdoptedPushUser } from "@/lib/judgements/fleet/push-user-precedence";
import { StatusBadge } from "@/components/posture/status-badge";
import { TimeCell } from "@/components/registry/time-cell";
import { RunStatus } from "@/components/workflows/run-status";
import { JobStateBadge } from "@/components/pushes/job-state-badge";
import { withRepo } from "@/components/fleet/repo-href";
import { AdoptPushUserButton, StopUsingPushUserButton } from "./push-user-buttons";

const ANSWER: Record<PushAnswer, { text: string; status: string }> = {
  yes: { text: "Can push", status: "ok" },
  no: { text: "Cannot push", status: "fail" },
  unknown: { text: "Unknown", status: "warn" },
  "not-set-up": { text: "Not set up", status: "info" },
};

/**
 * One repository of the Fleet: `row` as `readFleet` judged it, `repoParam` the `?repo=` its links carry, `discoveredBy`
 * the owner wildcard that found it (null when named), `adopted` its adopted push user, `rotation` its push user's
 * running or stopped rotation. The table row and the phone's card show the same pieces.
 */
export interface FleetRowProps {
  row: FleetRowView;
  repoParam: string | null;
  now: Date;
  discoveredBy: string | null;
  adopted: AdoptedPushUser | null;
  operator: boolean;
  rotation: StoppedOperation | null;
}

function RepositoryName({ row: r, repoParam, discoveredBy }: FleetRowProps) {
  return (
    <>
      <Link href={withRepo("/", repoParam)} className="break-all font-medium text-sky-700 hover:underline md:whitespace-nowrap md:break-normal">
        {r.repository}
      </Link>
      {discoveredBy ? (
        <p className="text-xs text-slate-500" data-testid="fleet-discovered">
          discovered ({discoveredBy})
        </p>
      ) : null}
    </>
  );
}

function Verdict({ row: r, repoParam }: FleetRowProps) {
  const answer = ANSWER[r.answer];
  return (
    <>
      <StatusBadge status={answer.status} text={answer.text} />
      <p className="mt-1 text-xs text-slate-600" data-testid="fleet-reason">
        {r.href ? (
          <Link href={withRepo(r.href, repoParam)} className="underline">
            {r.reason}
          </Link>
        ) : (
          r.reason
        )}
      </p>
    </>
  );
}

function PushUser({ row: r, now, adopted, operator, rotation }: FleetRowProps) {
  return (
    <>
      {r.pushUser}
      {adopted ? (
        <div className="font-sans text-slate-600" data-testid="fleet-adopted">
          <p>
            adopted by {adopted.by} <TimeCell iso={adopted.at} now={now} /> (CloudTrail named it for run #{adopted.runId}; default {adopted.instead})
          </p>
          {operator ? <StopUsingPushUserButton repository={r.repository} userName={r.pushUser} back={adopted.instead} /> : null}
        </div>
      ) : null}
      {r.holdsKeyOf ? <p className="font-sans text-amber-800">holds a key of {r.holdsKeyOf}</p> : null}
      {r.adoptable && operator ? (
        <div className="mt-1 font-sans" data-testid="fleet-adopt">
          <AdoptPushUserButton repository={r.repository} userName={r.adoptable} current={r.pushUser} />
        </div>
      ) : null}
      {r.signerNote ? (
        <p className="font-sans text-slate-600" data-testid="fleet-signer-note">
          {r.signerNote}
        </p>
      ) : null}
      {rotation ? (
        <p className="font-sans" data-testid="fleet-rotation" data-state={rotation.state}>
          <Link href={rotation.href} className={rotation.state === "stopped" ? "text-amber-800 underline" : "text-sky-700 underline"}>
            {rotation.state === "stopped" ? "key rotation stopped: resume it" : "key rotation running"}
          </Link>
        </p>
      ) : null}
    </>
  );
}

function Key({ row: r }: FleetRowProps) {
  if (r.signIn === "role") return <span data-sign-in="role">none: OIDC role</span>;
  if (r.key)
    return (
      <>
        <span className="font-mono">…{r.key.accessKeyId.slice(-4)}</span> · {r.key.ageDays === null ? "age unknown" : `${r.key.ageDays} d`}{" "}
        <StatusBadge status={r.key.severity} text={r.key.verdict} />
        {r.key.basis === "only-active" ? <p className="text-slate-500">the user&apos;s only active key</p> : null}
      </>
    );
  if (r.answer === "not-set-up")
    return (
      <span className="text-slate-600" data-testid="fleet-key-none">
        none: {r.pushUser} does not exist yet
      </span>
    );
  if (r.keyUnknown)
    return (
      <span className="whitespace-normal text-amber-800" data-testid="fleet-key-unknown">
        cannot be judged: {r.keyUnknown}
      </span>
    );
  return <span className="text-slate-500">unknown</span>;
}

function LastRun({ row: r, repoParam, now }: FleetRowProps) {
  if (r.lastRunFailure) return <span className="text-slate-600">{r.lastRunFailure.message}</span>;
  if (r.lastRun === null) return <span className="text-slate-500">none</span>;
  return (
    <Link href={withRepo(`/workflows/runs/${r.lastRun.id}`, repoParam)} className="flex flex-col items-start gap-0.5 hover:underline">
      <RunStatus status={r.lastRun.status} conclusion={r.lastRun.conclusion} />
      <TimeCell iso={r.lastRun.createdAt} now={now} />
    </Link>
  );
}

function LastPush({ row: r, now }: FleetRowProps) {
  if (!r.lastPush) return <span className="text-slate-500">none by Deckhand</span>;
  return (
    <Link href={`/pushes/${r.lastPush.id}`} className="flex flex-col items-start gap-0.5 hover:underline">
      <JobStateBadge state={r.lastPush.state} />
      <TimeCell iso={r.lastPush.finishedAt} now={now} />
    </Link>
  );
}

function FailingChecks({ row: r, repoParam }: FleetRowProps) {
  if (r.failingChecks.length === 0) return <span className="text-slate-500">none</span>;
  return (
    <ul className="flex flex-col gap-0.5">
      {r.failingChecks.map((c) => (
        <li key={c.id}>
          <Link href={withRepo(`/doctor#${c.id}`, repoParam)} className="text-red-800 underline">
            {c.title}
          </Link>
        </li>
      ))}
    </ul>
  );
}

/** The table's row (md and wider). */
export function FleetRow(props: FleetRowProps) {
  const r = props.row;
  return (
    <tr className="border-t border-slate-100 align-top" data-repository={r.repository} data-answer={r.answer}>
      <td className="px-3 py-2">
        <RepositoryName {...props} />
      </td>
      <td className="min-w-56 px-3 py-2">
        <Verdict {...props} />
      </td>
      <td className="px-3 py-2 font-mono text-xs">
        <PushUser {...props} />
      </td>
      <td className="whitespace-nowrap px-3 py-2 text-xs" data-testid="fleet-key">
        <Key {...props} />
      </td>
      <td className="px-3 py-2 text-xs" data-testid="fleet-secrets-from">
        {r.secretsFrom}
      </td>
      <td className="px-3 py-2 text-xs">
        <LastRun {...props} />
      </td>
      <td className="px-3 py-2 text-xs">
        <LastPush {...props} />
      </td>
      <td className="px-3 py-2 text-xs" data-testid="fleet-failing-checks">
        <FailingChecks {...props} />
      </td>
    </tr>
  );
}

/** The same repository as a card on a phone: the verdict first, then each column as a labelled line, none cut off. */
export function FleetCard(props: FleetRowProps) {
  const r = props.row;
  // The same test ids as the table's cells, so a check reads a card as it reads a row.
  const item = (label: string, body: React.ReactNode, opts: { mono?: boolean; testId?: string } = {}) => (
    <div className="flex flex-col gap-0.5">
      <dt className="text-xs font-medium uppercase text-slate-500">{label}</dt>
      <dd className={`min-w-0 break-words text-xs ${opts.mono ? "font-mono" : ""}`} data-testid={opts.testId}>
        {body}
      </dd>
    </div>
  );
  return (
    <li className="rounded-lg border border-slate-200 bg-white p-3" data-card-repository={r.repository} data-answer={r.answer}>
      <RepositoryName {...props} />
      <div className="mt-2">
        <Verdict {...props} />
      </div>
      <dl className="mt-3 grid grid-cols-1 gap-2 border-t border-slate-100 pt-3">
        {item("Push user", <PushUser {...props} />, { mono: true })}
        {item("Key", <Key {...props} />, { testId: "fleet-key" })}
        {item("Secrets from", r.secretsFrom, { testId: "fleet-secrets-from" })}
        {item("Last run", <LastRun {...props} />)}
        {item("Last push", <LastPush {...props} />)}
        {item("Failing checks", <FailingChecks {...props} />, { testId: "fleet-failing-checks" })}
      </dl>
    </li>
  );
}
