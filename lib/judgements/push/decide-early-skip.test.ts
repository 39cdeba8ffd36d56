import { describe, expect, it } from "vitest";
import { decideEarlySkip } from "./decide-early-skip";

const A = "sha256:" + "a".repeat(64);
const B = "sha256:" + "b".repeat(64);
const I1 = "sha256:" + "1".repeat(64);
const I2 = "sha256:" + "2".repeat(64);
const known = [
  { repository: "api", imageDigest: A, inputsDigest: I1 },
  { repository: "web", imageDigest: B, inputsDigest: I1 },
];
const base = { repository: "api", inputsDigest: I1, freshBases: false, latestDigest: A, known };

describe("decideEarlySkip", () => {
  it("skips only when latest's recorded inputs are exactly these", () => {
    expect(decideEarlySkip(base)).toEqual({ skip: true, imageDigest: A });
    expect(decideEarlySkip({ ...base, inputsDigest: I2 })).toEqual({ skip: false, why: "inputs-differ" });
  });

  it("builds when latest moved to an image it has no record of, even one recorded for another repository", () => {
    expect(decideEarlySkip({ ...base, latestDigest: B })).toEqual({ skip: false, why: "latest-unrecorded" });
    expect(decideEarlySkip({ ...base, latestDigest: null })).toEqual({ skip: false, why: "no-latest" });
  });

  it("builds when an input is unknown or fresh base images were asked for", () => {
    expect(decideEarlySkip({ ...base, inputsDigest: null })).toEqual({ skip: false, why: "inputs-unknown" });
    expect(decideEarlySkip({ ...base, freshBases: true })).toEqual({ skip: false, why: "fresh-bases" });
  });
});
