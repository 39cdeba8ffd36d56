"use client";

import { useEffect } from "react";
import { useRouter } from "next/navigation";

/** Live progress: re-renders the (dynamic) page from the store while a setup runs. */
export function RefreshWhileRunning({ running, everyMs = 800 }: { running: boolean; everyMs?: number }) {
  const router = useRouter();
  useEffect(() => {
    if (!running) return;
    const t = setInterval(() => router.refresh(), everyMs);
    return () => clearInterval(t);
  }, [running, everyMs, router]);
  return null;
}
