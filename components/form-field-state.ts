import type { ActionResult } from "@/lib/infra/actions/action-client";

/**
 * What a form field shows after its action answered: after a refusal, what the user typed and the rules it broke;
 * otherwise the saved value. `key` changes with every answer so the uncontrolled input takes the new default
 * (React resets a form after its action; the reset must land on what was typed, not on the saved value).
 */
export function fieldState(state: ActionResult<unknown> | null, name: string, saved: string | number | undefined) {
  const refused = state && !state.ok ? state : null;
  const typed = refused?.values?.[name];
  return {
    defaultValue: typed ?? (saved === undefined ? "" : String(saved)),
    errors: refused?.fieldErrors?.[name] ?? [],
    key: `${name}:${refused ? `refused:${typed ?? ""}:${(refused.fieldErrors?.[name] ?? []).join("|")}` : "saved"}:${saved ?? ""}`,
  };
}
