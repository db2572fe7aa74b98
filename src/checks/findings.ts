import { stepAnchor, type StepId } from './steps.ts';

/** How a finding affects its step: `pass` done, `info` fine but worth knowing, `warn` act soon, `fail` blocks the step. */
export type Severity = 'pass' | 'info' | 'warn' | 'fail';

/** What the product knows about one finding code, independent of language. */
export interface FindingDefinition {
  /** The setup step this finding belongs to. */
  readonly step: StepId;
  /** Whether the step is done (`pass`), fine (`info`), at risk (`warn`) or blocked (`fail`). */
  readonly severity: Severity;
  /**
   * The guide's fragment that explains this finding. Problems point at their own
   * troubleshooting entry (the code, kebab-cased); good outcomes at their step.
   */
  readonly anchor: string;
}

const trouble = (step: StepId, severity: Severity) => ({ step, severity, troubleshooting: true }) as const;
const outcome = (step: StepId, severity: Severity) => ({ step, severity, troubleshooting: false }) as const;

/**
 * Every finding the checks can report. Codes are stable API: the checks API,
 * the guide's troubleshooting entries, the components and support reports all
 * use these names, so a code is renamed only with a redirect plan.
 */
const DEFINITIONS = {
  // Step 1: click tracking on the account.
  sign_in_required: outcome('click-tracking', 'info'),
  tracking_on: outcome('click-tracking', 'pass'),
  tracking_off: trouble('click-tracking', 'fail'),

  // Step 2: the branded link's DNS.
  cname_ok: outcome('branded-link', 'pass'),
  proxied: outcome('branded-link', 'info'),
  cname_wrong_target: trouble('branded-link', 'fail'),
  cname_missing: trouble('branded-link', 'fail'),
  doubled_name: trouble('branded-link', 'fail'),
  nxdomain: trouble('branded-link', 'fail'),
  dns_timeout: trouble('branded-link', 'fail'),
  dns_servfail: trouble('branded-link', 'fail'),
  address_not_public: trouble('branded-link', 'fail'),
  domain_not_in_account: trouble('branded-link', 'fail'),

  // Step 3: a valid certificate, and a proxy that reaches the tracking service.
  caa_ok: outcome('tls', 'pass'),
  cert_ok: outcome('tls', 'pass'),
  probe_ok: outcome('tls', 'pass'),
  caa_blocks_issuer: trouble('tls', 'fail'),
  cert_expiring_soon: trouble('tls', 'warn'),
  cert_expired: trouble('tls', 'fail'),
  cert_not_yet_valid: trouble('tls', 'fail'),
  cert_hostname_mismatch: trouble('tls', 'fail'),
  cert_self_signed: trouble('tls', 'fail'),
  cert_untrusted: trouble('tls', 'fail'),
  cert_incomplete_chain: trouble('tls', 'fail'),
  /** An RSA key under 2048 bits or an EC key under 256 bits, on the leaf or an intermediate. */
  cert_weak_key: trouble('tls', 'fail'),
  /** A SHA-1 or MD5 signature on the leaf or an intermediate. */
  cert_weak_signature: trouble('tls', 'fail'),
  tls_version_too_old: trouble('tls', 'fail'),
  tls_handshake_failed: trouble('tls', 'fail'),
  tls_connection_refused: trouble('tls', 'fail'),
  tls_timeout: trouble('tls', 'fail'),
  not_tls: trouble('tls', 'fail'),
  probe_wrong_origin: trouble('tls', 'fail'),
  probe_http_error: trouble('tls', 'fail'),
  cdn_origin_ssl_error: trouble('tls', 'fail'),
  redirect_loop: trouble('tls', 'fail'),
  too_many_redirects: trouble('tls', 'fail'),
  redirect_blocked: trouble('tls', 'fail'),
  probe_timeout: trouble('tls', 'fail'),
  response_too_large: trouble('tls', 'fail'),

  // Step 3, the platform's side: the managed certificate as the account directory reports it.
  managed_cert_active: outcome('tls', 'pass'),
  managed_cert_issuing: trouble('tls', 'warn'),
  managed_cert_renewal_failed: trouble('tls', 'fail'),
  managed_cert_blocked: trouble('tls', 'fail'),
  managed_cert_expired: trouble('tls', 'fail'),

  // Step 4: HTTPS for tracked links, turned on by the reader.
  https_on: outcome('https', 'pass'),
  https_ready: outcome('https', 'info'),
  https_blocked: trouble('https', 'fail'),

  // Outcomes of any check. A result with one of these codes carries the step of
  // its own check; the step here is only a default.
  /** The check does not apply to this setup, e.g. CAA records behind a CDN. */
  not_applicable: outcome('tls', 'info'),
  /** An earlier check this one depends on failed, so this one did not run. */
  prerequisite_failed: outcome('tls', 'info'),
  /** The check itself broke: always our fault, never the reader's. */
  check_error: trouble('https', 'fail'),
} as const satisfies Record<string, { step: StepId; severity: Severity; troubleshooting: boolean }>;

/** A stable, snake_case finding code. */
export type FindingCode = keyof typeof DEFINITIONS;

/** Every finding code, in the order the guide discusses them. */
export const FINDING_CODES = Object.keys(DEFINITIONS) as FindingCode[];

/** The kebab-case fragment of a troubleshooting entry, e.g. `cname_missing` → `cname-missing`. */
export function troubleshootingAnchor(code: FindingCode): string {
  return code.replaceAll('_', '-');
}

/** The definition of a finding code: its step, severity and guide anchor. */
export function findingDefinition(code: FindingCode): FindingDefinition {
  const { step, severity, troubleshooting } = DEFINITIONS[code];
  return { step, severity, anchor: troubleshooting ? troubleshootingAnchor(code) : stepAnchor(step) };
}

/** The codes that have an entry of their own in the guide's Troubleshooting section. */
export const TROUBLESHOOTING_CODES = FINDING_CODES.filter((code) => DEFINITIONS[code].troubleshooting);

/** True when `value` is a known finding code. */
export function isFindingCode(value: string): value is FindingCode {
  return Object.hasOwn(DEFINITIONS, value);
}

/**
 * Codes any check may report. Their results carry the step of the check that
 * reported them and link to that step, not to a troubleshooting entry.
 */
export const CHECK_SCOPED_CODES: ReadonlySet<FindingCode> = new Set<FindingCode>([
  'sign_in_required',
  'not_applicable',
  'prerequisite_failed',
  'check_error',
]);

/**
 * The guide fragment a result links to: a finding's own entry, or, for an
 * outcome any check may report (skipped, not applicable, sign-in), the step
 * of the check that reported it.
 */
export function docsAnchor(code: FindingCode, step: StepId): string {
  return CHECK_SCOPED_CODES.has(code) && code !== 'check_error' ? stepAnchor(step) : findingDefinition(code).anchor;
}

/** Codes whose status is not simply their severity. */
const STATUS_OVERRIDES: Partial<Record<FindingCode, 'pending' | 'skipped' | 'error'>> = {
  sign_in_required: 'pending',
  https_ready: 'pending',
  not_applicable: 'skipped',
  prerequisite_failed: 'skipped',
  check_error: 'error',
};

/** The status a check reports for a finding: its severity, with `info` counting as done. */
export function statusOf(code: FindingCode): 'pass' | 'warn' | 'fail' | 'pending' | 'skipped' | 'error' {
  const override = STATUS_OVERRIDES[code];
  if (override) return override;
  const { severity } = DEFINITIONS[code];
  return severity === 'info' ? 'pass' : severity;
}
