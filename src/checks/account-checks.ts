import type { Account } from '../accounts/directory.ts';
import { docsAnchor, findingDefinition, statusOf, type FindingCode } from './findings.ts';
import type { StepId } from './steps.ts';
import type { CheckResult, Report } from './types.ts';

/** The checks that read the reader's account rather than the network. */
export const ACCOUNT_CHECK_IDS = new Set(['click-tracking', 'https-enabled']);

function result(
  id: CheckResult['id'],
  code: FindingCode,
  evidence: Record<string, unknown>,
  guideUrl: string,
): CheckResult {
  const { step } = findingDefinition(code);
  return { id, step, status: statusOf(code), code, evidence, docs: `${guideUrl}#${docsAnchor(code, step)}` };
}

/** Step 1 for a signed-in reader: is click tracking on? */
export function clickTrackingResult(account: Account, guideUrl: string): CheckResult {
  return result('click-tracking', account.clickTracking ? 'tracking_on' : 'tracking_off', {}, guideUrl);
}

/**
 * Step 4 for a signed-in reader: HTTPS is on, ready to turn on (every earlier
 * step passes), or blocked (naming the steps that still fail). A domain that is
 * not one of the account's branded links is reported first.
 */
export function httpsResult(
  account: Account,
  networkChecks: readonly CheckResult[],
  domain: string,
  guideUrl: string,
): CheckResult {
  const owned = account.domains.find((entry) => entry.domain === domain);
  if (!owned) {
    return result(
      'https-enabled',
      'domain_not_in_account',
      { domain, accountDomains: account.domains.map((entry) => entry.domain) },
      guideUrl,
    );
  }
  if (owned.https) return result('https-enabled', 'https_on', { domain }, guideUrl);
  const failing = [
    ...(account.clickTracking ? [] : [{ step: 'click-tracking' as StepId, code: 'tracking_off' }]),
    ...networkChecks
      .filter((check) => !ACCOUNT_CHECK_IDS.has(check.id) && (check.status === 'fail' || check.status === 'error'))
      .map((check) => ({ step: check.step, code: check.code })),
  ];
  if (failing.length > 0) {
    return result(
      'https-enabled',
      'https_blocked',
      { steps: [...new Set(failing.map((entry) => entry.step))], failing },
      guideUrl,
    );
  }
  return result('https-enabled', 'https_ready', { domain }, guideUrl);
}

/** A report as a signed-in reader sees it: the account checks filled in from their account. */
export function withAccount(report: Report, account: Account, guideUrl: string): Report {
  return {
    ...report,
    checks: report.checks.map((check) =>
      check.id === 'click-tracking'
        ? clickTrackingResult(account, guideUrl)
        : check.id === 'https-enabled'
          ? httpsResult(account, report.checks, report.domain, guideUrl)
          : check,
    ),
  };
}
