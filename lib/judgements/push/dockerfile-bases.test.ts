import { describe, expect, it } from "vitest";
import { readDockerfileBases } from "./dockerfile-bases";

describe("readDockerfileBases", () => {
  it("lists image bases, not scratch nor earlier stages, once each", () => {
    const text = "# syntax=docker/dockerfile:1\nFROM --platform=$BUILDPLATFORM golang:1.22 AS build\nRUN go build\nfrom Scratch\nFROM build AS again\nFROM golang:1.22\nFROM alpine@sha256:abc\n";
    expect(readDockerfileBases(text)).toEqual({ bases: ["golang:1.22", "alpine@sha256:abc"], unresolved: [] });
  });

  it("substitutes global ARGs, build args winning over defaults; refuses undeclared or odd forms", () => {
    const text = 'ARG TAG=3.19\nARG REG\nFROM ${REG:-docker.io}/alpine:$TAG\nFROM busybox:${NOPE}\nARG LATE=1\nFROM x:${TAG#3}\n';
    expect(readDockerfileBases(text)).toEqual({ bases: ["docker.io/alpine:3.19"], unresolved: ["busybox:${NOPE}", "x:${TAG#3}"] });
    expect(readDockerfileBases(text, { TAG: "3.20", REG: "r.example", NOPE: "1" }).bases).toEqual(["r.example/alpine:3.20"]);
  });

  it("an ARG after the first FROM does not reach later FROM lines; continuations and comments are read", () => {
    const text = "FROM a:1\nARG V=2\nFROM \\\n  # comment inside\n  b:$V\n";
    expect(readDockerfileBases(text)).toEqual({ bases: ["a:1"], unresolved: ["b:$V"] });
  });

  it("an empty ARG value with no default leaves the FROM unresolved", () => {
    expect(readDockerfileBases("ARG BASE\nFROM $BASE\n").unresolved).toEqual(["$BASE"]);
    expect(readDockerfileBases("ARG BASE='x:1'\nFROM $BASE\n").bases).toEqual(["x:1"]);
  });
});
