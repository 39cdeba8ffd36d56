import fs from "node:fs";
import path from "node:path";

/**
 * Test-only: check an AWS CLI JSON output against botocore's service model shipped with the CLI
 * (the documented output shape): every member known, required members present, types and enums right.
 */
const BOTOCORE = "/usr/lib/python3/dist-packages/awscli/botocore/data";

interface Shape {
  type: string;
  members?: Record<string, { shape: string }>;
  required?: string[];
  member?: { shape: string };
  value?: { shape: string };
  enum?: string[];
}
interface Model {
  operations: Record<string, { output?: { shape: string } }>;
  shapes: Record<string, Shape>;
}

const models = new Map<string, Model>();
function loadModel(service: string): Model {
  let m = models.get(service);
  if (!m) {
    const dir = path.join(BOTOCORE, service);
    const version = fs.readdirSync(dir).sort().pop()!;
    m = JSON.parse(fs.readFileSync(path.join(dir, version, "service-2.json"), "utf8")) as Model;
    models.set(service, m);
  }
  return m;
}

/**
 * Members the model marks required that AWS itself leaves out: GetAccessKeyLastUsed omits LastUsedDate for
 * a key never used (documented: "N/A" ServiceName/Region and no date); newer botocore models agree.
 */
const NOT_ALWAYS_SENT = new Set(["AccessKeyLastUsed.LastUsedDate"]);

/** The CLI decodes IAM's URL-encoded policy documents into JSON objects. */
const DECODED_DOCUMENT_SHAPES = new Set(["policyDocumentType"]);

function check(model: Model, shapeName: string, value: unknown, at: string, problems: string[]): void {
  const shape = model.shapes[shapeName];
  switch (shape.type) {
    case "structure": {
      if (!value || typeof value !== "object" || Array.isArray(value)) return void problems.push(`${at}: expected object (${shapeName})`);
      const obj = value as Record<string, unknown>;
      for (const r of shape.required ?? []) if (!(r in obj) && !NOT_ALWAYS_SENT.has(`${shapeName}.${r}`)) problems.push(`${at}.${r}: required member missing (${shapeName})`);
      for (const [k, v] of Object.entries(obj)) {
        const member = shape.members?.[k];
        if (!member) problems.push(`${at}.${k}: not a member of ${shapeName}`);
        else check(model, member.shape, v, `${at}.${k}`, problems);
      }
      return;
    }
    case "list":
      if (!Array.isArray(value)) return void problems.push(`${at}: expected list (${shapeName})`);
      value.forEach((v, i) => check(model, shape.member!.shape, v, `${at}[${i}]`, problems));
      return;
    case "map":
      if (!value || typeof value !== "object") return void problems.push(`${at}: expected map (${shapeName})`);
      for (const [k, v] of Object.entries(value)) check(model, shape.value!.shape, v, `${at}.${k}`, problems);
      return;
    case "string":
      if (DECODED_DOCUMENT_SHAPES.has(shapeName) && value && typeof value === "object") return;
      if (typeof value !== "string") return void problems.push(`${at}: expected string (${shapeName})`);
      if (shape.enum && !shape.enum.includes(value)) problems.push(`${at}: '${value}' not in enum ${shapeName} [${shape.enum.join(", ")}]`);
      return;
    case "integer":
    case "long":
      if (typeof value !== "number" || !Number.isInteger(value)) problems.push(`${at}: expected integer (${shapeName})`);
      return;
    case "double":
    case "float":
      if (typeof value !== "number") problems.push(`${at}: expected number (${shapeName})`);
      return;
    case "boolean":
      if (typeof value !== "boolean") problems.push(`${at}: expected boolean (${shapeName})`);
      return;
    case "timestamp":
      if (typeof value !== "string" || Number.isNaN(Date.parse(value))) problems.push(`${at}: expected timestamp (${shapeName})`);
      return;
    case "blob":
      if (typeof value !== "string") problems.push(`${at}: expected base64 blob (${shapeName})`);
      return;
    default:
      problems.push(`${at}: unhandled shape type ${shape.type}`);
  }
}

/** Problems found in the CLI's JSON output for `operation` (empty when it matches the documented shape). */
export function outputShapeProblems(service: "iam" | "sts" | "ecr" | "cloudtrail", operation: string, output: unknown): string[] {
  const model = loadModel(service);
  const op = model.operations[operation];
  if (!op) return [`unknown operation ${service}:${operation}`];
  const problems: string[] = [];
  if (!op.output) {
    if (output !== undefined) problems.push(`${operation}: expected no output`);
    return problems;
  }
  check(model, op.output.shape, output ?? {}, operation, problems);
  return problems;
}
