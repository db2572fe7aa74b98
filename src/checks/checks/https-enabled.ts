import { defineCheck } from '../check.ts';

/**
 * Step 4: HTTPS for tracked links, a setting of the reader's account. It is on,
 * ready to turn on (every earlier step passes), or blocked (naming the steps
 * that still fail). A domain that is not one of the account's branded links is
 * reported first; its evidence never lists the account's other domains.
 */
export default defineCheck({
  id: 'https-enabled',
  step: 'https',
  needs: ['click-tracking', 'branded-link-dns', 'caa', 'certificate', 'https-probe', 'managed-certificate'],
  judgesNeeds: true,
  async run({ account, domain }, needed = []) {
    if (!account) return { code: 'sign_in_required' };
    const owned = account.domains.find((entry) => entry.domain === domain);
    if (!owned) return { code: 'domain_not_in_account', evidence: { domain } };
    if (owned.https) return { code: 'https_on', evidence: { domain } };
    const failing = needed
      .filter((result) => result.status === 'fail' || result.status === 'error')
      .map(({ step, code }) => ({ step, code }));
    if (failing.length > 0) {
      return { code: 'https_blocked', evidence: { steps: [...new Set(failing.map((entry) => entry.step))], failing } };
    }
    return { code: 'https_ready', evidence: { domain } };
  },
});
