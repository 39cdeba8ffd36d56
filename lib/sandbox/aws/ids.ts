import { randomBytes, randomUUID } from "node:crypto";

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** AWS unique ids are a 4-letter prefix plus upper-case base32 characters (AKIA…, AIDA…, ANPA…). */
export function generateAwsId(prefix: string, length: number): string {
  const bytes = randomBytes(length);
  let out = prefix;
  for (let i = 0; i < length; i++) out += BASE32[bytes[i] % 32];
  return out;
}

export const generateAccessKeyId = () => generateAwsId("AKIA", 16);
export const generateUserId = () => generateAwsId("AIDA", 17);
export const generatePolicyId = () => generateAwsId("ANPA", 17);

/** 40 characters from the base64 alphabet, like AWS secret access keys. */
export function generateSecretAccessKey(): string {
  return randomBytes(30).toString("base64").slice(0, 40);
}

export const generateRequestId = () => randomUUID();

/** IAM and ECR timestamps on the wire: ISO 8601 without milliseconds. */
export function isoSeconds(d: Date | number): string {
  return new Date(typeof d === "number" ? d : d.getTime()).toISOString().replace(/\.\d{3}Z$/, "Z");
}
