// Who runs a long operation (a rotation, a setup): this host and process. A record owned by a process
// that no longer exists on this host is free at once (a killed process cannot let go of it itself);
// an owner on another host is taken to be alive.

import os from "node:os";

export function ownerId(): string {
  return `${os.hostname()}:${process.pid}`;
}

export function ownerAlive(owner: string | null): boolean {
  if (!owner) return false;
  const [host, pid] = owner.split(":");
  if (host !== os.hostname()) return true;
  if (Number(pid) === process.pid) return true;
  try {
    process.kill(Number(pid), 0);
    return true;
  } catch (err) {
    return (err as { code?: string }).code === "EPERM";
  }
}
