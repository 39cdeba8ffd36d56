import { describe, expect, it } from "vitest";
import { describeBuildSavings } from "./describe-build-savings";

describe("describeBuildSavings", () => {
  it("a one-line change: two small blobs of a big image, one step cached, time per phase", () => {
    const out = describeBuildSavings({
      decision: "pushed",
      blobsUploaded: 2,
      bytesUploaded: 900,
      timings: { inputsMs: 120, buildMs: 4600, compareMs: 80, pushMs: 0 },
      build: { imageBlobs: 3, imageBytes: 20_984_759, steps: { total: 3, cached: 1 }, baseImages: [{ ref: "busybox:1", digest: "sha256:" + "a".repeat(64) }] },
    });
    expect(out).toEqual({
      uploaded: "2 of 3 blobs, 900 B of 20.01 MB (<0.1%)",
      steps: "1 of 3 cached",
      phases: "inputs 120 ms · build 4.6 s · compare 80 ms",
      bases: "busybox:1@sha256:aaaaaaaaaaaa",
    });
  });

  it("skipped early says it was not built; an old record without details still reads", () => {
    expect(describeBuildSavings({ decision: "skipped", detail: "inputs-match", timings: { inputsMs: 300, buildMs: 0 } })).toEqual({
      uploaded: "nothing",
      steps: "not built: inputs unchanged",
      phases: "inputs 300 ms",
      bases: "",
    });
    expect(describeBuildSavings({ decision: "pushed", blobsUploaded: 2, bytesUploaded: 2048 })).toMatchObject({ uploaded: "2 blobs, 2.0 KB", steps: "—", phases: "—" });
    expect(describeBuildSavings({ decision: "pushed", blobsUploaded: 3, bytesUploaded: 100, build: { imageBlobs: 3, imageBytes: 100, freshBases: true, baseImages: [{ ref: "x" }] } })).toMatchObject({
      uploaded: "3 of 3 blobs, 100 B of 100 B (100%)",
      bases: "x (pulled fresh)",
    });
    // The schedule pulled one base again, the other was the worker's copy.
    expect(
      describeBuildSavings({ decision: "pushed", build: { baseImages: [{ ref: "node:22", digest: "sha256:" + "a".repeat(64), pulled: true }, { ref: "busybox:1" }] } }).bases,
    ).toBe("node:22@sha256:aaaaaaaaaaaa (pulled again: DECKHAND_BASE_REFRESH_HOURS), busybox:1");
  });
});
