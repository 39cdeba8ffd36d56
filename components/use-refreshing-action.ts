"use client";

import { useRouter } from "next/navigation";
import { useActionState, useEffect } from "react";
import type { ActionResult } from "@/lib/infra/actions/action-client";

export type FormAction<T> = (prev: ActionResult<T> | null, form: FormData) => Promise<ActionResult<T>>;

/** A server action bound to a form; when it succeeds the page's server components render again. */
export function useRefreshingAction<T>(action: FormAction<T>) {
  const [state, formAction, pending] = useActionState(action, null);
  const router = useRouter();
  useEffect(() => {
    if (state?.ok) router.refresh();
  }, [state, router]);
  return [state, formAction, pending] as const;
}
