import type { IsolationTools } from "./detect-isolation";

/**
 * The command line that runs `command args` as PID 1 of a new PID namespace (with its own mount namespace and
 * /proc), tied to this process:
 *
 *   setpriv --pdeathsig KILL -- unshare --pid --fork --kill-child=SIGKILL --mount --propagation private -- sh -c …
 *
 * - Killing the returned process with SIGKILL (a timeout, a cancel) kills its child, PID 1 of the namespace, and
 *   the kernel then kills every process in the namespace and in the namespaces below it (RUN containers): the whole
 *   tree, whatever double-forks or daemonises inside.
 * - If the worker itself dies (even SIGKILL), the parent-death signal does the same: nothing of a build outlives
 *   its worker.
 * - Mounts made inside (the builder's, the network namespace bind below) live in the private mount namespace and
 *   vanish with it; nothing is left mounted on the host.
 *
 * `netns` binds a network namespace (the build network's /proc/<pid>/ns/net, visible before /proc is remounted)
 * onto an empty file the caller created, so the builder can name it as `ns:<target>` after /proc shows only the
 * new PID namespace. Paths go to the script as positional parameters, never interpolated into it.
 */
export function isolatedCommand({
  tools,
  command,
  args,
  netns,
}: {
  tools: Pick<IsolationTools, "setpriv" | "unshare" | "sh">;
  command: string;
  args: string[];
  netns?: { source: string; target: string };
}): { command: string; args: string[] } {
  const script = 'set -e; if [ -n "$1" ]; then mount --bind "$1" "$2"; fi; mount -t proc proc /proc; shift 2; exec "$@"';
  return {
    command: tools.setpriv,
    args: [
      "--pdeathsig",
      "KILL",
      "--",
      tools.unshare,
      "--pid",
      "--fork",
      "--kill-child=SIGKILL",
      "--mount",
      "--propagation",
      "private",
      "--",
      tools.sh,
      "-c",
      script,
      "deckhand-build",
      netns?.source ?? "",
      netns?.target ?? "",
      command,
      ...args,
    ],
  };
}
