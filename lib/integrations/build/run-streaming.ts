import { spawn } from "node:child_process";

export type LineSink = (line: string, stream: "stdout" | "stderr") => void;

export class CommandError extends Error {
  constructor(
    message: string,
    readonly exitCode: number | null,
    readonly tail: string[],
  ) {
    super(message);
    this.name = "CommandError";
  }
}

/** The command ran past its wall-clock limit and was killed with everything it started. */
export class CommandTimeoutError extends CommandError {
  constructor(
    readonly timeoutMs: number,
    tail: string[],
  ) {
    super(`stopped after ${formatDuration(timeoutMs)}: the build ran past its time limit (DECKHAND_BUILD_TIMEOUT)`, null, tail);
    this.name = "CommandTimeoutError";
  }
}

/**
 * Runs a command, handing each output line to `onLine` as it arrives (for live job logs) and keeping the last lines
 * for the error message. Carriage-return progress updates are split like newlines.
 *
 * The command gets its own process group; cancelling (`signal`) or running past `timeoutMs` sends SIGKILL to the
 * whole group, so a builder's children go with it (isolatedCommand adds a PID namespace for what leaves the group).
 * Rejects with CommandError ("cancelled" on abort), CommandTimeoutError past the limit.
 */
export function runStreaming(
  command: string,
  args: string[],
  {
    env,
    cwd,
    onLine,
    signal,
    timeoutMs,
    label = command,
    tailLines = 25,
  }: {
    env?: NodeJS.ProcessEnv;
    cwd?: string;
    onLine?: LineSink;
    signal?: AbortSignal;
    /** Wall-clock limit in milliseconds; unset: none. */
    timeoutMs?: number;
    /** How messages name the command (the builder, when it runs inside a wrapper). */
    label?: string;
    tailLines?: number;
  } = {},
): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const tail: string[] = [];
    if (signal?.aborted) return reject(new CommandError(`${label}: cancelled`, null, tail));
    const child = spawn(command, args, { env, cwd, stdio: ["ignore", "pipe", "pipe"], detached: true });
    let stopped: "cancelled" | "timeout" | null = null;
    const killGroup = () => {
      try {
        if (child.pid) process.kill(-child.pid, "SIGKILL");
      } catch {
        child.kill("SIGKILL");
      }
    };
    const onAbort = () => {
      stopped ??= "cancelled";
      killGroup();
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    const timer =
      timeoutMs && timeoutMs > 0
        ? setTimeout(() => {
            stopped ??= "timeout";
            killGroup();
          }, timeoutMs)
        : undefined;
    const cleanup = () => {
      if (timer) clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    };
    const pump = (stream: "stdout" | "stderr") => {
      let pending = "";
      const emit = (line: string) => {
        tail.push(line);
        if (tail.length > tailLines) tail.shift();
        onLine?.(line, stream);
      };
      child[stream].setEncoding("utf8");
      child[stream].on("data", (chunk: string) => {
        const parts = (pending + chunk).split(/\r\n|\n|\r/);
        pending = parts.pop() ?? "";
        // A line without an end (a build printing one endless line) is cut rather than buffered forever.
        if (pending.length > 65_536) {
          parts.push(pending);
          pending = "";
        }
        for (const p of parts) emit(p);
      });
      child[stream].on("end", () => {
        if (pending) emit(pending);
        pending = "";
      });
    };
    pump("stdout");
    pump("stderr");
    child.on("error", (err) => {
      cleanup();
      reject(new CommandError(`${label}: ${err.message}`, null, tail));
    });
    child.on("close", (code, sig) => {
      cleanup();
      if (stopped === "timeout") reject(new CommandTimeoutError(timeoutMs!, tail));
      else if (stopped === "cancelled") reject(new CommandError(`${label}: cancelled`, null, tail));
      else if (code === 0) resolve(tail);
      else {
        const why = sig ? `killed by ${sig}` : `exit code ${code}`;
        reject(new CommandError(`${label} failed (${why}):\n${tail.join("\n")}`, code, tail));
      }
    });
  });
}

/** "30 min", "90 s", "1 h 5 min": for messages. */
export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s} s`;
  const h = Math.floor(s / 3600);
  const m = Math.round((s % 3600) / 60);
  return h ? `${h} h${m ? ` ${m} min` : ""}` : `${m} min`;
}
