import { z } from "zod";

/**
 * What a form field holds, judged the way a person typed it: numbers of days as plain digits, git ref names
 * by git's rules (git-check-ref-format(1)). Each function names the rule that failed, for the message beside
 * the field; null means the input is fine.
 */

/**
 * A whole number of days typed into a form: digits only, so "" (blank), "1e3", "1.5", " 7 days" and "0x10" are
 * refused instead of being read as 0, 1000, 1.5 or 16. Returns the number or the message naming the rule.
 */
export function parseWholeDays(raw: unknown, limits: { min: number; max: number }): { ok: true; days: number } | { ok: false; message: string } {
  const text = typeof raw === "number" ? String(raw) : typeof raw === "string" ? raw.trim() : "";
  if (text === "") return { ok: false, message: `Enter a number of days (${limits.min} to ${limits.max})` };
  if (!/^\d+$/.test(text)) return { ok: false, message: `Whole days only, written as digits (${limits.min} to ${limits.max}); “${text.slice(0, 20)}” is not` };
  const days = Number(text);
  if (days < limits.min) return { ok: false, message: `At least ${limits.min} day${limits.min === 1 ? "" : "s"}` };
  if (days > limits.max) return { ok: false, message: `At most ${limits.max} days` };
  return { ok: true, days };
}

const CHARACTER_NAMES: Record<string, string> = { " ": "a space", "\t": "a tab", "~": "“~”", "^": "“^”", ":": "“:”", "?": "“?”", "*": "“*”", "[": "“[”", "\\": "“\\”" };

/**
 * Why `ref` cannot be a branch or tag name, naming the character or sequence git refuses
 * (git-check-ref-format(1)), or null when it can. Blank is allowed by callers that fall back to the default branch.
 */
export function refNameProblem(ref: string): string | null {
  if (ref.length > 255) return "A branch or tag name has at most 255 characters";
  for (const ch of ref) {
    const code = ch.charCodeAt(0);
    if (code < 0x20 || code === 0x7f) return "A branch or tag name cannot contain control characters";
    if (CHARACTER_NAMES[ch]) return `A branch or tag name cannot contain ${CHARACTER_NAMES[ch]}`;
  }
  if (ref.includes("..")) return "A branch or tag name cannot contain “..”";
  if (ref.includes("@{")) return "A branch or tag name cannot contain “@{”";
  if (ref === "@") return "“@” alone is not a branch or tag name";
  if (ref.includes("//")) return "A branch or tag name cannot contain “//”";
  if (ref.startsWith("/") || ref.endsWith("/")) return "A branch or tag name cannot start or end with “/”";
  if (ref.startsWith("-")) return "A branch or tag name cannot start with “-”";
  if (ref.endsWith(".")) return "A branch or tag name cannot end with “.”";
  if (ref.split("/").some((part) => part.startsWith("."))) return "No part of a branch or tag name can start with “.”";
  if (ref.split("/").some((part) => part.endsWith(".lock"))) return "No part of a branch or tag name can end with “.lock”";
  return null;
}

// The same rules as zod fields, for server actions and verbs (zod is pure: no I/O).
/**
 * A whole number of days from a form (or a number from a direct call): blank, "1e3" and fractions are refused
 * with the rule named (parseWholeDays above), never coerced to 0 or 1000. `limits` are shown beside the
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
