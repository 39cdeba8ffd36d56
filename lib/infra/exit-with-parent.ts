/**
 * Ends this process when the one that started it is gone. `npm start` runs the sandbox, the web server and the
 * worker as children; when the parent dies without passing a signal on (SIGKILL, a crashed test runner), the
 * kernel re-parents them and they would keep listening on their ports. Each child calls this: once its parent
 * pid changes (checked every `intervalMs`), `onGone` runs (its own clean stop). The timer never keeps the
 * process alive by itself.
 */
export function exitWithParent(onGone: () => void, intervalMs = 1000): () => void {
  const parent = process.ppid;
  let fired = false;
  const timer = setInterval(() => {
    if (fired || process.ppid === parent) return;
    fired = true;
    clearInterval(timer);
    onGone();
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
