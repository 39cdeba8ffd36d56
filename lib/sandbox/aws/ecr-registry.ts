import type { IncomingMessage, ServerResponse } from "node:http";
import type { SandboxContext } from "../context";
export const isRegistryRequest = (_url: URL) => false;
export async function handleRegistry(_req: IncomingMessage, _res: ServerResponse, _ctx: SandboxContext, _url: URL): Promise<void> {}
