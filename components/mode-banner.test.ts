import { describe, expect, it } from "vitest";
import { describeAws } from "./mode-banner";

describe("describeAws", () => {
  it("says plain AWS only when no endpoint is overridden", () => {
    expect(describeAws([])).toBe("AWS");
  });
  it("names one endpoint for every service", () => {
    const all = ["ECR", "IAM", "STS", "CLOUDTRAIL"].map((service) => ({ service, url: "http://localhost:4566" }));
    expect(describeAws(all)).toBe("AWS API at http://localhost:4566 (AWS_ENDPOINT_URL, not AWS's own endpoints)");
    expect(describeAws(all)).not.toMatch(/real AWS/);
  });
  it("lists per-service endpoints when they differ", () => {
    expect(describeAws([{ service: "IAM", url: "http://iam.local" }])).toBe("AWS with IAM at http://iam.local (not AWS's own endpoints)");
  });
});
