import type { ServerResponse } from "node:http";
import { AwsError } from "./errors";
import { toXml, escapeXml, type XmlValue } from "./xml";

export type Protocol = "query" | "json";

export const QUERY_NAMESPACES: Record<string, string> = {
  iam: "https://iam.amazonaws.com/doc/2010-05-08/",
  sts: "https://sts.amazonaws.com/doc/2011-06-15/",
};

/** Form-encoded Query parameters (POST body or, for GET, the query string). */
export function parseQueryParams(body: Buffer, url: URL): Record<string, string> {
  const params: Record<string, string> = {};
  for (const [k, v] of url.searchParams) if (!k.startsWith("X-Amz-")) params[k] = v;
  for (const [k, v] of new URLSearchParams(body.toString("utf8"))) params[k] = v;
  return params;
}

/** Query lists arrive flattened: Name.member.1, Name.member.2, ... */
export function queryList(params: Record<string, string>, name: string): string[] {
  const out: string[] = [];
  for (let i = 1; params[`${name}.member.${i}`] !== undefined; i++) out.push(params[`${name}.member.${i}`]);
  return out;
}

export function sendQueryResult(res: ServerResponse, service: string, action: string, result: Record<string, XmlValue> | undefined, requestId: string): void {
  const ns = QUERY_NAMESPACES[service] ?? "";
  const inner = result ? toXml(`${action}Result`, result) : "";
  const xml = `<${action}Response xmlns="${ns}">\n  ${inner}\n  <ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata>\n</${action}Response>\n`;
  send(res, 200, "text/xml", xml, requestId);
}

export function sendQueryError(res: ServerResponse, service: string, err: AwsError, requestId: string): void {
  const ns = QUERY_NAMESPACES[service] ?? "";
  const xml = `<ErrorResponse xmlns="${ns}">\n  <Error>\n    <Type>${err.type}</Type>\n    <Code>${escapeXml(err.code)}</Code>\n    <Message>${escapeXml(err.message)}</Message>\n  </Error>\n  <RequestId>${requestId}</RequestId>\n</ErrorResponse>\n`;
  send(res, err.status, "text/xml", xml, requestId);
}

/** JSON 1.1 timestamps are epoch seconds (fractions allowed). */
function jsonReplacer(this: Record<string, unknown>, key: string, value: unknown): unknown {
  const original = this[key];
  if (original instanceof Date) return original.getTime() / 1000;
  return value;
}

export function sendJsonResult(res: ServerResponse, result: unknown, requestId: string): void {
  send(res, 200, "application/x-amz-json-1.1", JSON.stringify(result ?? {}, jsonReplacer), requestId);
}

export function sendJsonError(res: ServerResponse, err: AwsError, requestId: string): void {
  const body = JSON.stringify({ __type: err.code, message: err.message, ...err.fields }, jsonReplacer);
  send(res, err.status, "application/x-amz-json-1.1", body, requestId, { "x-amzn-errortype": err.code });
}

function send(res: ServerResponse, status: number, contentType: string, text: string, requestId: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, {
    "content-type": contentType,
    "content-length": Buffer.byteLength(text),
    "x-amzn-requestid": requestId,
    date: new Date().toUTCString(),
    ...extra,
  });
  res.end(text);
}
