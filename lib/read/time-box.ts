/**
 * Wait for a load at most `ms`. The load is not cancelled: it keeps running and fills the shared
 * cache, so the next refresh has it. Lets a summary page answer quickly with what is ready.
 */
export async function withinTime<T>(load: Promise<T>, ms: number): Promise<{ done: true; value: T } | { done: false }> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<{ done: false }>((resolve) => {
    timer = setTimeout(() => resolve({ done: false }), ms);
  });
  // A rejection after the deadline must not become an unhandled one.
  load.catch(() => {});
  try {
    return await Promise.race([load.then((value) => ({ done: true as const, value })), late]);
  } finally {
    clearTimeout(timer);
  }
}
