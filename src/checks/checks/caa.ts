import { evaluateCaa } from '../caa-policy.ts';
import { defineCheck } from '../check.ts';

/**
 * Step 3, managed route: CAA records must let one of the platform's certificate
 * authorities issue for the branded link, decided as RFC 8659 and Let's
 * Encrypt's Boulder decide: the name and every parent are asked at once, the
 * first non-empty set applies (for a CNAME'd name, the set at the alias's end),
 * and a failed lookup at or below that level blocks. Behind a CDN the CDN
 * holds the certificate, so the check does not apply.
 */
export default defineCheck({
  id: 'caa',
  step: 'tls',
  needs: ['branded-link-dns'],
  async run({ dns, domain, dnsFacts, env, signal }) {
    if (dnsFacts?.route !== 'direct')
      return { code: 'not_applicable', evidence: { route: dnsFacts?.route ?? 'unknown' } };

    const labels = domain.split('.');
    const names = labels.map((_, index) => labels.slice(index).join('.'));
    const answers = await Promise.all(names.map((name) => dns.caa(name, { signal })));
    // The resolver follows the domain's CNAME chain for CAA: those records sit at the chain's end.
    const aliasEnd = dnsFacts.cnameChain?.at(-1);
    const levels = names.map((name, index) => ({
      name,
      answer: answers[index]!,
      ...(index === 0 && aliasEnd && aliasEnd !== domain ? { via: aliasEnd } : {}),
    }));
    const issuer = env.CAA_ISSUER_DOMAINS;
    const verdict = evaluateCaa(levels, {
      issuers: issuer,
      accountUri: env.CAA_ACCOUNT_URI,
      validationMethod: env.CAA_VALIDATION_METHOD,
    });
    if (verdict.allowed) {
      return {
        code: 'caa_ok',
        evidence: { name: verdict.name ?? names.at(-1)!, issuer: verdict.issuer ?? issuer, basis: verdict.basis },
      };
    }
    return {
      code: 'caa_blocks_issuer',
      evidence: {
        name: verdict.name,
        reason: verdict.reason,
        allowed: verdict.listed,
        issuer,
        ...(verdict.record ? { record: verdict.record } : {}),
        ...(verdict.name === aliasEnd && aliasEnd !== domain ? { via: 'cname' } : {}),
      },
    };
  },
});
