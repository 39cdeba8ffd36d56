import type { OperationHandler } from "./call";
export const ecrOperations: Record<string, OperationHandler> = {};
