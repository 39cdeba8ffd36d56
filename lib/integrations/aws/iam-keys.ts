// Access key writes on the push user. The secret of a new key exists only in the returned object:
// callers must hand it straight to the sealed box and never store, log or return it.

import { CreateAccessKeyCommand, DeleteAccessKeyCommand, UpdateAccessKeyCommand, type IAMClient } from "@aws-sdk/client-iam";

export interface NewAccessKey {
  accessKeyId: string;
  /** In memory only: never persist, log, audit or send to a browser. */
  secretAccessKey: string;
  createDate: string;
}

/** CreateAccessKey. AWS allows two keys per user and answers LimitExceeded beyond that. */
export async function createAccessKey({ iam, userName }: { iam: IAMClient; userName: string }): Promise<NewAccessKey> {
  const r = await iam.send(new CreateAccessKeyCommand({ UserName: userName }));
  const k = r.AccessKey;
  if (!k?.AccessKeyId || !k.SecretAccessKey) throw new Error("CreateAccessKey answered without a key");
  return { accessKeyId: k.AccessKeyId, secretAccessKey: k.SecretAccessKey, createDate: (k.CreateDate ?? new Date()).toISOString() };
}

/** UpdateAccessKey: Active or Inactive. */
export async function updateAccessKey({ iam, userName, accessKeyId, status }: { iam: IAMClient; userName: string; accessKeyId: string; status: "Active" | "Inactive" }): Promise<void> {
  await iam.send(new UpdateAccessKeyCommand({ UserName: userName, AccessKeyId: accessKeyId, Status: status }));
}

/** DeleteAccessKey; a key that is already gone (NoSuchEntity) counts as deleted, so retries are safe. */
export async function deleteAccessKey({ iam, userName, accessKeyId }: { iam: IAMClient; userName: string; accessKeyId: string }): Promise<{ existed: boolean }> {
  try {
    await iam.send(new DeleteAccessKeyCommand({ UserName: userName, AccessKeyId: accessKeyId }));
    return { existed: true };
  } catch (err) {
    const name = (err as { name?: string }).name;
    if (name === "NoSuchEntity" || name === "NoSuchEntityException") return { existed: false };
    throw err;
  }
}
