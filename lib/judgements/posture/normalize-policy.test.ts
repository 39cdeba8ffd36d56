import { describe, expect, it } from "vitest";
import { ECR_ACTIONS, GUIDE_PUSH_POLICY } from "./ecr-actions";
import { expandActionPatterns, normalizePolicy, type NormalizedPolicy } from "./normalize-policy";

function ok(input: Parameters<typeof normalizePolicy>[0]): NormalizedPolicy {
  const r = normalizePolicy(input);
  if (!r.ok) throw new Error(`expected ok, got ${r.error.code}: ${r.error.message}`);
  return r.policy;
}

function errorOf(input: Parameters<typeof normalizePolicy>[0]) {
  const r = normalizePolicy(input);
  if (r.ok) throw new Error("expected an error");
  return r.error;
}

const guideJson = JSON.stringify(GUIDE_PUSH_POLICY, null, 2);

describe("decoding", () => {
  it("reads the URL-encoded form GetUserPolicy returns", () => {
    const p = ok(encodeURIComponent(guideJson));
    expect(p.statements).toHaveLength(1);
    expect(p.statements[0].ecrActions).toHaveLength(11);
    expect(p.version).toBe("2012-10-17");
  });

  it("reads plain JSON text and already parsed objects identically", () => {
    const fromText = ok(guideJson);
    const fromObject = ok(JSON.parse(guideJson));
    expect(fromText.statements).toEqual(fromObject.statements);
  });

  it("treats a raw + as a space and %2B as a literal plus", () => {
    const doc = {
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "tag push",
          Effect: "Allow",
          Action: "ecr:PutImage",
          Resource: "*",
          Condition: { StringEquals: { "aws:PrincipalTag/team": "a+b" } },
        },
      ],
    };
    const encoded = encodeURIComponent(JSON.stringify(doc)).replace(/%20/g, "+");
    expect(encoded).toContain("%2B");
    expect(encoded).toContain("tag+push");
    const p = ok(encoded);
    expect(p.statements[0].sid).toBe("tag push");
    expect(p.statements[0].condition).toEqual({ StringEquals: { "aws:PrincipalTag/team": "a+b" } });
  });

  it("keeps a raw + when reading it as a space would not give JSON", () => {
    // An encoder that leaves "+" alone and escapes everything else: "+" inside JSON structure, not a string.
    const text = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ecr:PutImage","Resource":"*","Condition":{"NumericLessThan":{"x":1e+3}}}]}';
    const encoded = encodeURIComponent(text).replace(/%2B/g, "+");
    const p = ok(encoded);
    expect(p.statements[0].condition).toEqual({ NumericLessThan: { x: 1000 } });
  });

  it("undoes double encoding", () => {
    const p = ok(encodeURIComponent(encodeURIComponent(guideJson)));
    expect(p.statements[0].ecrActions).toHaveLength(11);
  });

  it("accepts lower-case percent escapes and surrounding whitespace", () => {
    const encoded = encodeURIComponent(JSON.stringify(GUIDE_PUSH_POLICY)).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase());
    expect(ok(`  ${encoded}\n`).statements).toHaveLength(1);
  });
});

describe("malformed documents", () => {
  it.each([
    ["empty string", "", "empty"],
    ["whitespace", "   ", "empty"],
    ["null", null, "empty"],
    ["truncated JSON", '{"Version":"2012-10-17","Statement":[', "bad-json"],
    ["truncated encoding", "%7B%22Version%22%3A%22", "bad-json"],
    ["broken escape", "%7B%E0%A4%A", "bad-encoding"],
    ["plain words", "hello", "bad-json"],
    ["a JSON array", "[]", "not-an-object"],
    ["no Statement", '{"Version":"2012-10-17"}', "no-statement"],
  ] as const)("%s → %s", (_name, input, code) => {
    expect(errorOf(input).code).toBe(code);
  });

  it("names the statement that is wrong", () => {
    const e = errorOf({
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Action: "ecr:PutImage", Resource: "*" },
        { Effect: "Allow", Action: "ecr:PutImage", NotAction: "ecr:GetAuthorizationToken", Resource: "*" },
      ],
    });
    expect(e.code).toBe("bad-statement");
    expect(e.statementIndex).toBe(1);
    expect(e.message).toMatch(/Statement 2 has both Action and NotAction/);
  });

  it.each([
    [{ Effect: "Permit", Action: "ecr:PutImage", Resource: "*" }, /Effect "Permit"/],
    [{ Action: "ecr:PutImage", Resource: "*" }, /Effect null/],
    [{ Effect: "Allow", Resource: "*" }, /neither Action nor NotAction/],
    [{ Effect: "Allow", Action: "ecr:PutImage" }, /neither Resource nor NotResource/],
    [{ Effect: "Allow", Action: "ecr:PutImage", Resource: "*", NotResource: "x" }, /both Resource and NotResource/],
    [{ Effect: "Allow", Action: 42, Resource: "*" }, /Action must be a string or a list/],
    [{ Effect: "Allow", Action: ["ecr:PutImage", 1], Resource: "*" }, /Action must be a string or a list/],
    [{ Effect: "Allow", Action: "ecr:PutImage", Resource: "*", Condition: "yes" }, /Condition must be an object/],
    ["not an object", /is not an object/],
  ])("rejects statement %j", (statement, message) => {
    const e = errorOf({ Version: "2012-10-17", Statement: [statement] });
    expect(e.code).toBe("bad-statement");
    expect(e.message).toMatch(message);
  });
});

describe("statements", () => {
  it("accepts an empty statement list and a single statement object", () => {
    expect(ok({ Version: "2012-10-17", Statement: [] }).statements).toEqual([]);
    const single = ok({ Version: "2012-10-17", Statement: { Effect: "Allow", Action: "ecr:PutImage", Resource: "*" } });
    expect(single.statements).toHaveLength(1);
    expect(single.statements[0].index).toBe(0);
  });

  it("reads Action and Resource as string or list", () => {
    const p = ok({
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Action: "ecr:PutImage", Resource: "arn:aws:ecr:us-east-1:1:repository/a" },
        { Effect: "Allow", Action: ["ecr:PutImage", "ecr:BatchGetImage"], Resource: ["*"] },
      ],
    });
    expect(p.statements[0].ecrActions).toEqual(["ecr:PutImage"]);
    expect(p.statements[0].resources).toEqual(["arn:aws:ecr:us-east-1:1:repository/a"]);
    expect(p.statements[1].ecrActions).toEqual(["ecr:BatchGetImage", "ecr:PutImage"]);
    expect(p.statements[1].resources).toEqual(["*"]);
  });

  it("canonicalises mixed-case ECR actions and keeps other services verbatim", () => {
    const p = ok({
      Version: "2012-10-17",
      Statement: [{ Effect: "allow", Action: ["ECR:putimage", "Ecr:GetAuthorizationTOKEN", "S3:GetObject"], Resource: "*" }],
    });
    const st = p.statements[0];
    expect(st.effect).toBe("Allow");
    expect(st.ecrActions).toEqual(["ecr:GetAuthorizationToken", "ecr:PutImage"]);
    expect(st.otherActions).toEqual(["S3:GetObject"]);
    expect(p.warnings.some((w) => w.includes('Effect "allow"'))).toBe(true);
  });

  it("keeps conditions, drops empty ones, and records Sid", () => {
    const p = ok({
      Version: "2012-10-17",
      Statement: [
        { Sid: "A", Effect: "Deny", Action: "ecr:*", Resource: "*", Condition: { Bool: { "aws:SecureTransport": "false" } } },
        { Effect: "Allow", Action: "ecr:PutImage", Resource: "*", Condition: {} },
      ],
    });
    expect(p.statements[0].sid).toBe("A");
    expect(p.statements[0].condition).toEqual({ Bool: { "aws:SecureTransport": "false" } });
    expect(p.statements[1].sid).toBeNull();
    expect(p.statements[1].condition).toBeNull();
  });

  it("reads misspelt element case with a warning instead of dropping the grant", () => {
    const p = ok({ version: "2012-10-17", statement: [{ effect: "Allow", action: "ecr:PutImage", resource: "*" }] });
    expect(p.statements[0].ecrActions).toEqual(["ecr:PutImage"]);
    expect(p.warnings.length).toBeGreaterThanOrEqual(4);
  });

  it("warns about a missing Version and an ECR action that does not exist", () => {
    const p = ok({ Statement: [{ Effect: "Allow", Action: ["ecr:PushImage", "ecr:Zap*"], Resource: "*" }] });
    expect(p.statements[0].ecrActions).toEqual([]);
    expect(p.statements[0].unknownEcrPatterns).toEqual(["ecr:PushImage", "ecr:Zap*"]);
    expect(p.warnings.join("\n")).toMatch(/no Version/);
    expect(p.warnings.join("\n")).toMatch(/"ecr:PushImage" matches no known ECR action/);
  });
});

describe("wildcards", () => {
  it("ecr:* and * expand to every ECR action", () => {
    expect(expandActionPatterns(["ecr:*"]).matchedEcrActions).toEqual([...ECR_ACTIONS].sort());
    const star = expandActionPatterns(["*"]);
    expect(star.matchedEcrActions).toHaveLength(ECR_ACTIONS.length);
    expect(star.otherActions).toEqual(["*"]);
  });

  it("ecr:Describe* expands to the Describe actions only", () => {
    const m = expandActionPatterns(["ecr:Describe*"]).matchedEcrActions;
    expect(m).toContain("ecr:DescribeImages");
    expect(m).toContain("ecr:DescribeRepositories");
    expect(m.every((a) => a.startsWith("ecr:Describe"))).toBe(true);
    expect(m).not.toContain("ecr:BatchGetImage");
  });

  it("ecr:*Layer* matches the layer actions wherever Layer appears", () => {
    expect(expandActionPatterns(["ecr:*Layer*"]).matchedEcrActions).toEqual([
      "ecr:BatchCheckLayerAvailability",
      "ecr:CompleteLayerUpload",
      "ecr:GetDownloadUrlForLayer",
      "ecr:InitiateLayerUpload",
      "ecr:UploadLayerPart",
    ]);
  });

  it('"ecr:batch*" is case-insensitive', () => {
    expect(expandActionPatterns(["ecr:batch*"]).matchedEcrActions).toEqual([
      "ecr:BatchCheckLayerAvailability",
      "ecr:BatchDeleteImage",
      "ecr:BatchGetImage",
      "ecr:BatchGetRepositoryScanningConfiguration",
      "ecr:BatchImportUpstreamImage",
    ]);
  });

  it("? matches one character and other-service wildcards stay out of ECR", () => {
    expect(expandActionPatterns(["ecr:?utImage"]).matchedEcrActions).toEqual(["ecr:PutImage"]);
    const other = expandActionPatterns(["ecr-public:*", "s3:*"]);
    expect(other.matchedEcrActions).toEqual([]);
    expect(other.otherActions).toEqual(["ecr-public:*", "s3:*"]);
    expect(expandActionPatterns(["*:PutImage"]).matchedEcrActions).toEqual(["ecr:PutImage"]);
  });
});

describe("NotAction", () => {
  it("applies to every ECR action except the listed ones", () => {
    const p = ok({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", NotAction: ["ecr:Delete*", "iam:*"], Resource: "*" }],
    });
    const st = p.statements[0];
    expect(st.actionMode).toBe("NotAction");
    expect(st.matchedEcrActions.every((a) => a.startsWith("ecr:Delete"))).toBe(true);
    expect(st.ecrActions).toContain("ecr:PutImage");
    expect(st.ecrActions).not.toContain("ecr:DeleteRepository");
    expect(st.ecrActions.length + st.matchedEcrActions.length).toBe(ECR_ACTIONS.length);
    expect(st.otherActions).toEqual(["iam:*"]);
  });

  it("NotAction ecr:* applies to no ECR action", () => {
    const p = ok({ Version: "2012-10-17", Statement: [{ Effect: "Allow", NotAction: "ecr:*", Resource: "*" }] });
    expect(p.statements[0].ecrActions).toEqual([]);
  });
});
