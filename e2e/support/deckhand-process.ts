import { spawn, type ChildProcess } from "node:child_process";

export interface DeckhandProcess {
  url: string;
  child: ChildProcess;
  output: () => string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Start another Deckhand (launcher + sandbox + web server) exactly as `npm start` does, on its own ports. */
export async function startDeckhand(opts: { port: number; sandboxPort: number; dataDir: string; env?: Record<string, string> }): Promise<DeckhandProcess> {
  const url = `http://localhost:${opts.port}`;
  const child = spawn(process.execPath, ["--import", "tsx", "lib/tooling/cli/start.ts"], {
    env: {
      ...process.env,
      DECKHAND_MODE: "sandbox",
      PORT: String(opts.port),
      SANDBOX_PORT: String(opts.sandboxPort),
      DECKHAND_DATA_DIR: opts.dataDir,
      DECKHAND_URL: url,
      ...opts.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  const deadline = Date.now() + 180_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`Deckhand exited early (${child.exitCode}):\n${out}`);
    try {
      const res = await fetch(`${url}/api/health`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`Deckhand did not become healthy:\n${out}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url,
    child,
    output: () => out,
    stop(signal = "SIGTERM") {
      return new Promise((resolve) => {
        if (child.exitCode !== null) return resolve(child.exitCode);
        child.once("exit", (code) => resolve(code));
        child.kill(signal);
      });
    },
  };
}
