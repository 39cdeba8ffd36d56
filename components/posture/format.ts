/** "2026-11-25 14:03 UTC" from an ISO string or Date; "—" when missing or unreadable. */
export function formatUtc(value: string | Date | null | undefined): string {
  if (!value) return "—";
  const ms = typeof value === "string" ? Date.parse(value) : value.getTime();
  if (Number.isNaN(ms)) return "—";
  return `${new Date(ms).toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

export function formatDay(value: string | Date | null | undefined): string {
  if (!value) return "—";
  const ms = typeof value === "string" ? Date.parse(value) : value.getTime();
  return Number.isNaN(ms) ? "—" : new Date(ms).toISOString().slice(0, 10);
}
