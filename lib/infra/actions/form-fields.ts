import { z } from "zod";
import { parseWholeDays, refNameProblem } from "../../judgements/form-input";

/**
 * A whole number of days from a form (or a number from a direct call): blank, "1e3" and fractions are refused
 * with the rule named (judgements/form-input.ts), never coerced to 0 or 1000. `limits` are shown beside the
 * field by the form, from the same constant.
 */
export function wholeDaysField(limits: { min: number; max: number }) {
  return z.unknown().transform((raw, ctx): number => {
    const r = parseWholeDays(raw, limits);
    if (r.ok) return r.days;
    ctx.addIssue({ code: "custom", message: r.message });
    return z.NEVER;
  });
}

/** An optional branch or tag name: blank means "the default branch"; otherwise git's rules, naming the character that breaks them. */
export const optionalRefField = z
  .string()
  .trim()
  .optional()
  .superRefine((ref, ctx) => {
    const problem = ref ? refNameProblem(ref) : null;
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });
