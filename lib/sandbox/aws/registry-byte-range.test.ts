import { describe, expect, it } from "vitest";
import { parseByteRange } from "./registry-byte-range";

describe("parseByteRange (S3's answer to a Range header)", () => {
  it("serves one closed, open or suffix range", () => {
    expect(parseByteRange("bytes=0-9", 100)).toEqual({ kind: "partial", start: 0, end: 9 });
    expect(parseByteRange("bytes=90-", 100)).toEqual({ kind: "partial", start: 90, end: 99 });
    expect(parseByteRange("bytes=-10", 100)).toEqual({ kind: "partial", start: 90, end: 99 });
    expect(parseByteRange("bytes=-500", 100)).toEqual({ kind: "partial", start: 0, end: 99 });
  });

  it("clips an end past the object and refuses a start past it", () => {
    expect(parseByteRange("bytes=50-1000", 100)).toEqual({ kind: "partial", start: 50, end: 99 });
    expect(parseByteRange("bytes=100-", 100)).toEqual({ kind: "unsatisfiable" });
    expect(parseByteRange("bytes=-0", 100)).toEqual({ kind: "unsatisfiable" });
    expect(parseByteRange("bytes=0-", 0)).toEqual({ kind: "unsatisfiable" });
  });

  it("serves the whole object for no header, bad syntax or several ranges", () => {
    expect(parseByteRange(undefined, 100)).toEqual({ kind: "whole" });
    expect(parseByteRange("items=0-5", 100)).toEqual({ kind: "whole" });
    expect(parseByteRange("bytes=0-5,10-20", 100)).toEqual({ kind: "whole" });
    expect(parseByteRange("bytes=9-2", 100)).toEqual({ kind: "whole" });
    expect(parseByteRange("bytes=-", 100)).toEqual({ kind: "whole" });
  });
});
