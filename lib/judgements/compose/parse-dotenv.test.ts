import { describe, expect, it } from "vitest";
import { DotenvError, parseDotenv } from "./parse-dotenv";

describe("parseDotenv (Docker's environment file syntax)", () => {
  it("follows each rule of the documented syntax", () => {
    const text = [
      "# a comment",
      "",
      "PLAIN=VAL",
      'DOUBLE="VAL"',
      "SINGLE='VAL'",
      "INLINE=VAL # comment",
      "NOT_COMMENT=VAL# not a comment",
      'QUOTED_HASH="VAL # not a comment"',
      'QUOTED_THEN_COMMENT="VAL" # comment',
      "LITERAL='$OTHER'",
      "LITERAL_BRACED='${OTHER}'",
      "ESCAPED_SINGLE='Let\\'s go!'",
      'JSON="{\\"hello\\": \\"json\\"}"',
      'TAB="some\\tvalue"',
      "SINGLE_TAB='some\\tvalue'",
      "UNQUOTED_TAB=some\\tvalue",
      "export EXPORTED=yes",
      "EMPTY=",
      "  INDENTED = spaced",
    ].join("\n");
    expect(parseDotenv(text)).toEqual({
      PLAIN: "VAL",
      DOUBLE: "VAL",
      SINGLE: "VAL",
      INLINE: "VAL",
      NOT_COMMENT: "VAL# not a comment",
      QUOTED_HASH: "VAL # not a comment",
      QUOTED_THEN_COMMENT: "VAL",
      LITERAL: "$OTHER",
      LITERAL_BRACED: "${OTHER}",
      ESCAPED_SINGLE: "Let's go!",
      JSON: '{"hello": "json"}',
      TAB: "some\tvalue",
      SINGLE_TAB: "some\\tvalue",
      UNQUOTED_TAB: "some\\tvalue",
      EXPORTED: "yes",
      EMPTY: "",
      INDENTED: "spaced",
    });
  });

  it("interpolates unquoted and double-quoted values from the environment first, then earlier lines", () => {
    const text = "BASE=/srv\nDIR=${BASE}/app\nQ=\"$BASE/q\"\nS='$BASE'\nOVER=${HOST_VAR:-x}\nDEF=${NOPE:-fallback}\n";
    expect(parseDotenv(text, (n) => (n === "HOST_VAR" ? "from-env" : undefined))).toEqual({
      BASE: "/srv",
      DIR: "/srv/app",
      Q: "/srv/q",
      S: "$BASE",
      OVER: "from-env",
      DEF: "fallback",
    });
  });

  it("multi-line double-quoted values, CRLF files, and bare names", () => {
    expect(parseDotenv('KEY="line1\nline2"\r\nNEXT=1\r\nBARE\nKNOWN\n', (n) => (n === "KNOWN" ? "k" : undefined))).toEqual({
      KEY: "line1\nline2",
      NEXT: "1",
      KNOWN: "k",
    });
  });

  it("names the line of what it cannot read", () => {
    const fail = (text: string) => {
      try {
        parseDotenv(text);
      } catch (err) {
        expect(err).toBeInstanceOf(DotenvError);
        return err as DotenvError;
      }
      throw new Error("expected a DotenvError");
    };
    expect(fail('A=1\nB="open\n').line).toBe(2);
    expect(fail("A=1\n\nbad key=1\n").line).toBe(3);
    expect(fail("A=${REQ:?set REQ}\n").message).toMatch(/REQ is missing a value: set REQ/);
    expect(fail("A='x' trailing\n").message).toMatch(/after the closing quote/);
  });
});

describe("parseDotenv: what compose-go's parser (dotenv/parser.go) accepts beyond the documented rules", () => {
  it("takes YAML-like `KEY: value` lines and keys of letters, digits, _ . - [ ] in any order", () => {
    expect(parseDotenv("IMG: team/web\nTAG : 1.2\n1ST=one\na.b-c[0]=x\nURL=http://h:80/p\n")).toEqual({
      IMG: "team/web",
      TAG: "1.2",
      "1ST": "one",
      "a.b-c[0]": "x",
      URL: "http://h:80/p",
    });
  });

  it("double-quoted \\$ is a literal dollar; Go escapes and octal; only ' #' starts an inline comment", () => {
    expect(parseDotenv('PRICE="costs \\$5 or $$6"\nBELL="a\\vb\\0101"\nUNQ=a\t#b\nOTHER="\\q"\n')).toEqual({
      PRICE: "costs $5 or $6",
      BELL: "a\vbA",
      UNQ: "a\t#b",
      OTHER: "\\q",
    });
  });
});
