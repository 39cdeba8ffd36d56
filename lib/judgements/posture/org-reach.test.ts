import { describe, expect, it } from "vitest";
import { orgItemsReaching, visibilityByName, type OrgReachItem } from "./org-reach";

const e = (name: string, visibility: OrgReachItem<unknown>["visibility"], selected: string[] | null = null): OrgReachItem<{ name: string }> => ({ item: { name }, visibility, selected });

describe("orgItemsReaching", () => {
  it("takes `all` items and the `selected` items that list the repository (case-insensitive), in order", () => {
    const entries = [e("AWS_REGION", "all"), e("AWS_ACCESS_KEY_ID", "selected", ["acme/web-gateway", "ACME/Service-002"]), e("OTHER", "selected", ["acme/elsewhere"])];
    expect(orgItemsReaching(entries, "acme/service-002")).toEqual([{ name: "AWS_REGION" }, { name: "AWS_ACCESS_KEY_ID" }]);
    expect(orgItemsReaching(entries, "acme/billing-worker")).toEqual([{ name: "AWS_REGION" }]);
  });

  it("does not match a repository whose name only contains a selected one's", () => {
    expect(orgItemsReaching([e("K", "selected", ["acme/web-gateway"])], "acme/web-gateway-2")).toEqual([]);
    expect(orgItemsReaching([e("K", "selected", ["acme/web-gateway"])], "other/web-gateway")).toEqual([]);
  });

  it("an empty organization reaches nothing (and can say so)", () => {
    expect(orgItemsReaching([], "acme/x")).toEqual([]);
  });

  it("cannot say (null) with a `private` item or a selection it was not given: the caller asks GitHub per repository", () => {
    expect(orgItemsReaching([e("A", "all"), e("P", "private")], "acme/x")).toBeNull();
    expect(orgItemsReaching([e("S", "selected", null)], "acme/x")).toBeNull();
  });
});

describe("visibilityByName", () => {
  it("maps each name to its visibility", () => {
    expect(visibilityByName([e("A", "all"), e("S", "selected", [])])).toEqual({ A: "all", S: "selected" });
  });
});
