import { defineCheck } from '../check.ts';
import { registrableDomain } from '../domain.ts';
import { platform } from '../../site/site.ts';

/**
 * Step 3, managed route: CAA records must let the platform's certificate
 * authority issue for the branded link. Following RFC 8659, the closest name
 * (the domain, then each parent) that has CAA records is the one that applies.
 * Behind a CDN the CDN holds the certificate, so the check does not apply.
 */
export default defineCheck({
  id: 'caa',
  step: 'tls',
  needs: ['branded-link-dns'],
  async run({ dns, domain, dnsFacts }) {
    if (dnsFacts?.route !== 'direct')
      return { code: 'not_applicable', evidence: { route: dnsFacts?.route ?? 'unknown' } };

    const issuer = platform.managedCertificateIssuer;
    // The domain and each parent up to the registrable domain, asked all at once.
    const apex = registrableDomain(domain);
    const names = [domain];
    while (names.at(-1) !== apex && names.at(-1)!.includes('.'))
      names.push(names.at(-1)!.slice(names.at(-1)!.indexOf('.') + 1));
    const answers = await Promise.all(names.map((name) => dns.caa(name)));

    for (const [index, answer] of answers.entries()) {
      const name = names[index]!;
      if (!answer.ok && answer.failure !== 'nodata' && answer.failure !== 'nxdomain') {
        // CAA lookups that fail block issuance too (RFC 8659 §3); say which name failed.
        return { code: 'caa_blocks_issuer', evidence: { name, lookup: answer.failure, issuer } };
      }
      const issueTags = answer.ok ? answer.records.filter((record) => record.tag === 'issue') : [];
      if (issueTags.length > 0) {
        const allowed = issueTags.map((record) => record.value.split(';')[0]!.trim().toLowerCase());
        return allowed.includes(issuer)
          ? { code: 'caa_ok', evidence: { name, allowed, issuer } }
          : { code: 'caa_blocks_issuer', evidence: { name, allowed, issuer } };
      }
    }
    return { code: 'caa_ok', evidence: { name: apex, allowed: 'any', issuer } };
  },
});
