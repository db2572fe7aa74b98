import { CERTIFICATE_FAILURES, retriable } from '../../accounts/directory.ts';
import { defineCheck } from '../check.ts';

/**
 * Step 3, from the platform's side: the managed certificate of the reader's
 * branded link, as the account directory reports it (being issued, active,
 * renewal failed, expired). A failure names whose move it is: the reader's
 * setup (with the finding that fixes it) or the platform's (which the reader
 * may retry). Signed out, behind the reader's own CDN, or with no managed
 * certificate, it does not apply.
 */
export default defineCheck({
  id: 'managed-certificate',
  step: 'tls',
  needs: ['branded-link-dns'],
  judgesNeeds: true,
  async run({ account, domain }, needed = []) {
    const owned = account?.domains.find((entry) => entry.domain === domain);
    const certificate = owned?.certificate;
    const proxied = needed.some((result) => result.id === 'branded-link-dns' && result.code === 'proxied');
    if (!certificate || proxied)
      return { code: 'not_applicable', evidence: { reason: account ? 'unmanaged' : 'signed_out' } };
    const { state, notAfter, failure, detail } = certificate;
    const facts = { state, ...(notAfter ? { notAfter } : {}) };
    if (state === 'active') return { code: 'managed_cert_active', evidence: facts };
    if (state === 'pending_validation' || state === 'issuing') return { code: 'managed_cert_issuing', evidence: facts };
    const reason = failure ?? 'issuer_error';
    const { side, ...rest } = CERTIFICATE_FAILURES[reason];
    const evidence = {
      ...facts,
      failure: reason,
      side,
      retriable: retriable(certificate),
      ...('fix' in rest ? { fix: rest.fix } : {}),
      ...(detail ? { detail } : {}),
    };
    if (state === 'expired') return { code: 'managed_cert_expired', evidence };
    return { code: side === 'reader' ? 'managed_cert_blocked' : 'managed_cert_renewal_failed', evidence };
  },
});
