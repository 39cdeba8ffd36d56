import { executeClaimedJob, type WorkerEnvironment } from "./execute-claimed-job";
import type { JobChannel } from "./job-channel";

/**
 * Claim and run jobs one at a time until stopped. Idle polling backs off a little; a failing queue
 * (the app unreachable, the store busy) is retried with backoff rather than ending the worker.
 */
export function startWorkerLoop(channel: JobChannel, env: WorkerEnvironment, opts: { idleMs?: number; log?: (s: string) => void } = {}) {
  const idleMs = opts.idleMs ?? 1000;
  const log = opts.log ?? ((s: string) => console.log(`[worker ${channel.workerId}] ${s}`));
  let stopped = false;
  let wake: (() => void) | null = null;
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(t);
        resolve();
      };
    });

  const done = (async () => {
    let failures = 0;
    while (!stopped) {
      try {
        const job = await channel.claim();
        failures = 0;
        if (!job) {
          await sleep(idleMs);
          continue;
        }
        log(`running job ${job.jobId} attempt ${job.attempt} (${job.sha.slice(0, 7)})`);
        const outcome = await executeClaimedJob(channel, job, env);
        log(`job ${job.jobId}: ${outcome}`);
      } catch (err) {
        failures++;
        const wait = Math.min(30_000, 500 * 2 ** Math.min(failures, 6));
        log(`queue unavailable (${(err as Error).message}); retrying in ${wait} ms`);
        await sleep(wait);
      }
    }
  })();

  return {
    async stop() {
      stopped = true;
      wake?.();
      await done;
    },
  };
}
