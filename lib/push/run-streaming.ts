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

/**
 * Runs a command, handing each output line to `onLine` as it arrives (for live job logs) and keeping the last lines
 * for the error message. Carriage-return progress updates are split like newlines.
 */
export function runStreaming(
  command: string,
  args: string[],
  { env, cwd, onLine, signal, tailLines = 25 }: {
    env?: NodeJS.ProcessEnv;
    cwd?: string;
    onLine?: LineSink;
    signal?: AbortSignal;
    tailLines?: number;
  } = {},
): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const tail: string[] = [];
    const child = spawn(command, args, { env, cwd, stdio: ["ignore", "pipe", "pipe"], signal, killSignal: "SIGKILL" });
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
      const name = (err as NodeJS.ErrnoException).code === "ABORT_ERR" ? "cancelled" : err.message;
      reject(new CommandError(`${command} ${args[0] ?? ""}: ${name}`, null, tail));
    });
    child.on("close", (code, sig) => {
      if (code === 0) resolve(tail);
      else if (!signal?.aborted) {
        const why = sig ? `killed by ${sig}` : `exit code ${code}`;
        reject(new CommandError(`${command} failed (${why}):\n${tail.join("\n")}`, code, tail));
      }
    });
  });
}
