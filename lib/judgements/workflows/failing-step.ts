/**
 * The failing step of a job and the error it printed. GitHub's job log is one plain-text file for the
 * whole job, each line prefixed with an ISO timestamp (7 fractional digits); steps are only known by
 * their start and end times from the jobs API. Errors are the lines the runner marks `##[error]`.
 */

import { classifyGuideError, type GuideErrorMatch } from "../guide-errors";

export interface StepLike {
  number: number;
  name: string;
  conclusion: string | null;
  startedAt: string | null;
  completedAt: string | null;
}

export interface JobLike {
  id: number;
  name: string;
  conclusion: string | null;
  steps: StepLike[];
}

export interface LogLine {
  at: number | null;
  text: string;
}

const STAMP = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z) ?(.*)$/;

export function parseJobLog(log: string): LogLine[] {
  return log
    .replace(/^\uFEFF/, "")
    .split(/\r?\n/)
    .filter((l, i, all) => l !== "" || i < all.length - 1)
    .map((line) => {
      const m = STAMP.exec(line);
      if (!m) return { at: null, text: line };
      // JavaScript parses at most millisecond precision; trim GitHub's 7 digits.
      const at = Date.parse(m[1].replace(/(\.\d{3})\d+Z$/, "$1Z"));
      return { at: Number.isNaN(at) ? null : at, text: m[2] };
    });
}

/** The first failed step of the first failed job (runs stop at the first failing step). */
export function findFailingStep<J extends JobLike>(jobs: readonly J[]): { job: J; step: StepLike | null } | null {
  const job = jobs.find((j) => j.conclusion === "failure" || j.conclusion === "timed_out") ?? null;
  if (!job) return null;
  const step = [...job.steps].sort((a, b) => a.number - b.number).find((s) => s.conclusion === "failure" || s.conclusion === "timed_out") ?? null;
  return { job, step };
}

/**
 * The log lines of one step: those stamped within its [startedAt, completedAt] window. The API's step
 * times have whole-second precision, so the window is widened to the end of its last second.
 */
export function linesOfStep(lines: readonly LogLine[], step: Pick<StepLike, "startedAt" | "completedAt">): LogLine[] {
  const start = step.startedAt ? Date.parse(step.startedAt) : Number.NaN;
  const end = step.completedAt ? Date.parse(step.completedAt) + 999 : Number.NaN;
  if (Number.isNaN(start) || Number.isNaN(end)) return [];
  return lines.filter((l) => l.at !== null && l.at >= start && l.at <= end);
}

/** Messages the runner prints when a script fails: they say nothing, the lines before them do. */
const GENERIC = /^Process completed with exit code \d+\.?$/;

export interface StepError {
  message: string;
  /** Other error lines and the AWS CLI's "An error occurred (...)" lines, for context. */
  details: string[];
}

/**
 * The error a step printed. Prefers a specific `##[error]` line; when the only one is the runner's
 * generic exit-code line, uses the CLI's own "An error occurred (Code) when calling ..." line.
 */
export function extractStepError(lines: readonly LogLine[]): StepError | null {
  const errors = lines.filter((l) => l.text.startsWith("##[error]")).map((l) => l.text.slice("##[error]".length).trim());
  const cli = lines.map((l) => l.text.trim()).filter((t) => /^An error occurred \(\w[\w.]*\)/.test(t) || /^Error: /.test(t));
  const specific = errors.filter((e) => e && !GENERIC.test(e));
  if (specific.length) return { message: specific[0], details: [...specific.slice(1), ...cli] };
  if (cli.length) return { message: cli[cli.length - 1], details: errors };
  if (errors.length) return { message: errors[0], details: errors.slice(1) };
  return null;
}

/**
 * The failing step's error from the job log. When the step's time window holds no error (clock or
 * precision drift), falls back to the whole log's first error.
 */
export function failingStepError(log: string, step: Pick<StepLike, "startedAt" | "completedAt"> | null): StepError | null {
  const lines = parseJobLog(log);
  const inStep = step ? extractStepError(linesOfStep(lines, step)) : null;
  return inStep ?? extractStepError(lines.filter((l) => l.text !== "##[error]The operation was canceled."));
}

/**
 * What a run's page says about a failed job: the step's error and the guide's section for it (the one
 * guide-error table the Doctor uses too: lib/judgements/guide-errors.ts).
 */
export function explainFailingStep(log: string | null, step: Pick<StepLike, "startedAt" | "completedAt"> | null): { error: StepError | null; guide: GuideErrorMatch | null } {
  const error = log ? failingStepError(log, step) : null;
  return { error, guide: error ? classifyGuideError([error.message, ...error.details].join("\n")) : null };
}
