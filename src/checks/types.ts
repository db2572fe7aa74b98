import type { FindingCode } from './findings.ts';
import type { StepId } from './steps.ts';

/**
 * The checks, in the order a report lists them. Each id names one file in
 * `src/checks/checks/` and is stable API, like the finding codes.
 */
export const CHECK_IDS = [
  'click-tracking',
  'branded-link-dns',
  'caa',
  'certificate',
  'https-probe',
  'managed-certificate',
  'https-enabled',
] as const;

/** One check's id. */
export type CheckId = (typeof CHECK_IDS)[number];

/** The step each check verifies (each check file declares the same; a test holds them together). */
export const CHECK_STEP: Record<CheckId, StepId> = {
  'click-tracking': 'click-tracking',
  'branded-link-dns': 'branded-link',
  caa: 'tls',
  certificate: 'tls',
  'https-probe': 'tls',
  'managed-certificate': 'tls',
  'https-enabled': 'https',
};

/** How one check ended: `pending` waits on the reader (e.g. sign-in), `error` is our own fault. */
export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skipped' | 'pending' | 'error';

/** Facts a check found, as plain JSON data: never HTML, never trusted. */
export type Evidence = Record<string, unknown>;

/** One check's result, as the API reports it. */
export interface CheckResult {
  id: CheckId;
  step: StepId;
  status: CheckStatus;
  code: FindingCode;
  evidence: Evidence;
  /** The guide URL with the fragment that explains `code`. */
  docs: string;
}

/** How the branded link reaches readers: straight to the tracking host, or through a CDN. */
export type Route = 'direct' | 'proxied' | 'unknown';

/** A full report for one domain. */
export interface Report {
  domain: string;
  checkedAt: string;
  durationMs: number;
  route: Route;
  checks: CheckResult[];
}
