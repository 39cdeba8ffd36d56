import type { OperationHandler } from "./call";
export const cloudTrailOperations: Record<string, OperationHandler> = {};
