import { describe, expect, it } from "vitest";
import { createdBounds } from "./created-filter";

describe("createdBounds (GitHub's `created` qualifier)", () => {
  it("treats a bare date as that whole UTC day", () => {
    expect(createdBounds("2024-05-01")).toEqual({ from: "2024-05-01T00:00:00Z", to: "2024-05-02T00:00:00Z" });
  });
  it("reads comparison operators, excluding or including the day as GitHub does", () => {
    expect(createdBounds(">=2024-05-01")).toEqual({ from: "2024-05-01T00:00:00Z" });
    expect(createdBounds(">2024-05-01")).toEqual({ from: "2024-05-02T00:00:00Z" });
    expect(createdBounds("<2024-05-01")).toEqual({ to: "2024-05-01T00:00:00Z" });
    expect(createdBounds("<=2024-05-01")).toEqual({ to: "2024-05-02T00:00:00Z" });
  });
  it("reads ranges, open ends and date-times", () => {
    expect(createdBounds("2024-05-01..2024-05-03")).toEqual({ from: "2024-05-01T00:00:00Z", to: "2024-05-04T00:00:00Z" });
    expect(createdBounds("2024-05-01..*")).toEqual({ from: "2024-05-01T00:00:00Z", to: undefined });
    expect(createdBounds("*..2024-05-01")).toEqual({ from: undefined, to: "2024-05-02T00:00:00Z" });
    expect(createdBounds(">=2024-05-01T10:30:00Z")).toEqual({ from: "2024-05-01T10:30:00Z" });
  });
  it("refuses what it cannot read", () => {
    expect(createdBounds("yesterday")).toBeNull();
    expect(createdBounds("2024-05-01..soon")).toBeNull();
  });
});
