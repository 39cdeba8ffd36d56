import { isoSeconds } from "./ids";

export type XmlValue = string | number | boolean | Date | null | undefined | XmlValue[] | { [key: string]: XmlValue };

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[c]!);
}

/** AWS Query protocol XML: lists are wrapped in <member> elements, timestamps are ISO 8601. */
export function toXml(name: string, value: XmlValue): string {
  if (value === undefined || value === null) return "";
  if (Array.isArray(value)) return `<${name}>${value.map((v) => toXml("member", v)).join("")}</${name}>`;
  if (value instanceof Date) return `<${name}>${isoSeconds(value)}</${name}>`;
  if (typeof value === "object") return `<${name}>${Object.entries(value).map(([k, v]) => toXml(k, v)).join("")}</${name}>`;
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}
