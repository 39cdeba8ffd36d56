import { describe, expect, it } from "vitest";
import { activityQueryString, parseActivityQuery } from "./activity-filter";

describe("parseActivityQuery", () => {
  it("turns search params into a filter with an inclusive end day", () => {
    const { query, filter } = parseActivityQuery({ key: "AKIAIOSFODNN7EXAMPLE", event: "CompleteLayerUpload", errors: "1", from: "2026-11-01", to: "2026-11-02" });
    expect(query).toEqual({ key: "AKIAIOSFODNN7EXAMPLE", event: "CompleteLayerUpload", errors: true, from: "2026-11-01", to: "2026-11-02", page: 0 });
    expect(filter).toEqual({ accessKeyId: "AKIAIOSFODNN7EXAMPLE", eventName: "CompleteLayerUpload", errorsOnly: true, from: "2026-11-01T00:00:00Z", to: "2026-11-03T00:00:00.000Z" });
  });

  it("drops malformed values instead of trusting them", () => {
    const { query } = parseActivityQuery({ key: "akia<script>", event: "Put Image", errors: "yes", from: "2026-13-45", to: "yesterday", page: "-1" });
    expect(query).toEqual({ key: undefined, event: undefined, errors: false, from: undefined, to: undefined, page: 0 });
  });

  it("takes the first of repeated params and ignores empty ones", () => {
    const { query } = parseActivityQuery({ event: ["PutImage", "GetAuthorizationToken"], key: "" });
    expect(query.event).toBe("PutImage");
    expect(query.key).toBeUndefined();
  });
});

describe("activityQueryString", () => {
  it("keeps the filters and moves the page", () => {
    const { query } = parseActivityQuery({ event: "PutImage", errors: "1", page: "2" });
    expect(query.page).toBe(2);
    expect(activityQueryString(query, { page: 3 })).toBe("event=PutImage&errors=1&page=3");
    expect(activityQueryString(query, { page: 0 })).toBe("event=PutImage&errors=1");
  });
});
