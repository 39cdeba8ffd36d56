// The doctor over already-loaded Sections (for pages that load some parts their own way, e.g. the
// Overview's time-boxed CloudTrail). The checks themselves are lib/judgements/posture's.

import { runDoctorChecks as runPostureChecks, type CheckResult } from "../judgements/posture/doctor-checks";
import type { PostureSections } from "./load-posture";
import type { Section } from "../failures";
import { toPostureSnapshot } from "./to-snapshot";

export type { CheckResult } from "../judgements/posture/doctor-checks";

export type DoctorInput = Pick<PostureSections, "keys" | "policies" | "activity" | "secrets" | "variables" | "runs" | "repositories"> & {
  /** Not loaded by every caller: without it the "user does not exist" case is simply not distinguished. */
  user?: PostureSections["user"];
  now: Date;
  region: string;
  userName?: string;
};

const unread: Section<null> = { ok: true, data: null, calls: [] };

export function runDoctorChecks(input: DoctorInput): CheckResult[] {
  const { now, region, userName, user, ...sections } = input;
  // An unread user is treated as existing (null would mean NoSuchEntity), so substitute a placeholder.
  const userSection = user ?? ({ ...unread, data: { userName: userName ?? "", arn: "", createDate: "" } } as PostureSections["user"]);
  return runPostureChecks(toPostureSnapshot({ ...sections, user: userSection }, { now, userName: userName ?? "", region }));
}
