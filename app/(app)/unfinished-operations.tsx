import Link from "next/link";
import type { ReadContext } from "@/lib/read/context";
import { readUnfinishedOperations } from "@/lib/read/overview";
import { ResumeRotationButton, ResumeSetupButton } from "./resume-buttons";

/**
 * A rotation or guided setup that is running or stopped mid-way, on the Overview and on Credentials, with its Resume
 * for operators: a stopped rotation can leave GitHub holding a key the canary has not proved.
 */
export function UnfinishedOperations({ ctx, operator }: { ctx: Pick<ReadContext, "db">; operator: boolean }) {
  const ops = readUnfinishedOperations(ctx);
  if (ops.length === 0) return null;
  return (
    <div className="mb-4 space-y-2">
      {ops.map((op) => (
        <section
          key={`${op.kind}-${op.id}`}
          role={op.state === "stopped" ? "alert" : "status"}
          data-testid={`unfinished-${op.kind}`}
          className={`rounded-lg border-2 p-3 text-sm ${op.state === "stopped" ? "border-amber-400 bg-amber-50" : "border-sky-300 bg-sky-50"}`}
        >
          <p className="font-medium">
            {op.kind === "rotation" ? `Rotation #${op.id} of ${op.userName}` : `Setup #${op.id}`} {op.state === "stopped" ? "stopped before it finished" : "is running"}.{" "}
            <Link href={op.href} className="text-sky-700 underline">
              Open it
            </Link>
          </p>
          {op.message ? <p className="mt-1 text-slate-700">{op.message}</p> : null}
          {operator && op.state === "stopped" ? (
            <div className="mt-2">
              {op.kind === "rotation" ? <ResumeRotationButton rotationId={op.id} /> : <ResumeSetupButton setupId={op.id} />}
            </div>
          ) : null}
        </section>
      ))}
    </div>
  );
}
