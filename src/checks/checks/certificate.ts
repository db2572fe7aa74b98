import { worstOfAddresses } from '../by-address.ts';
import { defineCheck, type CheckContext, type Finding } from '../check.ts';
import { findingDefinition, type FindingCode } from '../findings.ts';
import { handshake, type HandshakeResult } from '../net/tls.ts';

/** Under this many days left, a valid certificate is a warning. */
export const EXPIRY_WARNING_DAYS = 14;

const DAY_MS = 86_400_000;

/** OpenSSL's verification errors, in the reader's terms. */
const VERIFICATION_CODES: Record<string, FindingCode> = {
  CERT_HAS_EXPIRED: 'cert_expired',
  CERT_NOT_YET_VALID: 'cert_not_yet_valid',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'cert_self_signed',
  // The server sent its certificate without the intermediate that links it to a trusted root.
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'cert_incomplete_chain',
  UNABLE_TO_GET_ISSUER_CERT: 'cert_incomplete_chain',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'cert_untrusted',
  SELF_SIGNED_CERT_IN_CHAIN: 'cert_untrusted',
  // Node's own name check, reported as a verification error when nothing else is wrong.
  ERR_TLS_CERT_ALTNAME_INVALID: 'cert_hostname_mismatch',
  // OpenSSL's security level refusing a key or digest: the weakness itself is the finding.
  EE_KEY_TOO_SMALL: 'cert_weak_key',
  CA_KEY_TOO_SMALL: 'cert_weak_key',
  CA_MD_TOO_WEAK: 'cert_weak_signature',
};

/** The smallest keys browsers accept, in bits. */
const MINIMUM_KEY_BITS: Record<string, number> = { rsa: 2048, 'rsa-pss': 2048, dsa: 2048, ec: 256 };
/** Signature digests browsers refuse on a leaf or an intermediate. */
const WEAK_SIGNATURE = /md2|md4|md5|sha1(?!\d)|sha-1/i;

/**
 * Step 3: a TLS handshake with SNI to every vetted address. The certificate is
 * valid, trusted, complete, for this name and not about to expire, over TLS 1.2
 * or newer. When addresses disagree, each one is reported.
 */
export default defineCheck({
  id: 'certificate',
  step: 'tls',
  needs: ['branded-link-dns'],
  async run(context) {
    const addresses = context.dnsFacts?.addresses ?? [];
    if (addresses.length === 0) return { code: 'prerequisite_failed', evidence: { check: 'branded-link-dns' } };

    // The first address's connection stays open for the probe, if its certificate passes.
    const results = await Promise.all(addresses.map((address, index) => shake(context, address, index === 0)));
    const findings = results.map((result, index) => ({ address: addresses[index]!, ...judge(result, context) }));
    const [first] = results;
    const usable = first?.ok && first.socket && findingDefinition(findings[0]!.code).severity !== 'fail';
    if (first?.ok && !usable) first.socket?.destroy();
    return {
      ...worstOfAddresses(findings),
      ...(usable ? { connection: { address: addresses[0]!, socket: first.socket! } } : {}),
    };
  },
});

function shake(context: CheckContext, address: string, keepOpen: boolean): Promise<HandshakeResult> {
  return handshake({
    keepOpen,
    address,
    port: context.env.CHECKS_HTTPS_PORT,
    servername: context.domain,
    trust: context.trust,
    connectTimeoutMs: context.limits.connectTimeoutMs,
    handshakeTimeoutMs: context.limits.handshakeTimeoutMs,
    signal: context.signal,
  });
}

function judge(result: HandshakeResult, context: CheckContext): Finding & { evidence: Record<string, unknown> } {
  if (!result.ok) return { code: result.failure, evidence: { detail: result.detail } };

  const [leaf] = result.chain;
  if (!leaf) return { code: 'tls_handshake_failed', evidence: { detail: 'no certificate' } };
  // The leaf and the intermediates the server sent; a root's own signature is never checked.
  const issued = result.chain.filter((certificate, index) => index === 0 || !certificate.selfIssued);
  // Whole days, towards zero: "expires in 59 days", "expired 3 days ago".
  const daysLeft = Math.trunc((Date.parse(leaf.notAfter) - context.now().getTime()) / DAY_MS);
  const evidence = {
    issuer: leaf.issuer,
    subject: leaf.subject,
    names: leaf.names,
    notBefore: leaf.notBefore,
    notAfter: leaf.notAfter,
    daysLeft,
    protocol: result.protocol,
  };

  const weakKey = issued.find(
    (certificate) => certificate.keyBits !== null && certificate.keyBits < (MINIMUM_KEY_BITS[certificate.keyType] ?? 0),
  );
  if (weakKey) {
    return {
      code: 'cert_weak_key',
      evidence: {
        ...evidence,
        weakCertificate: weakKey.subject || weakKey.names[0] || '',
        keyType: weakKey.keyType.toUpperCase(),
        keyBits: weakKey.keyBits,
        minimumBits: MINIMUM_KEY_BITS[weakKey.keyType],
      },
    };
  }
  const weakSignature = issued.find((certificate) => WEAK_SIGNATURE.test(certificate.signatureAlgorithm));
  if (weakSignature) {
    return {
      code: 'cert_weak_signature',
      evidence: {
        ...evidence,
        weakCertificate: weakSignature.subject || weakSignature.names[0] || '',
        signatureAlgorithm: weakSignature.signatureAlgorithm,
      },
    };
  }
  if (result.authorizationError) {
    const code = VERIFICATION_CODES[result.authorizationError] ?? 'cert_untrusted';
    return {
      code,
      evidence: {
        ...evidence,
        verification: result.authorizationError,
        // Some browsers fetch the missing intermediate themselves and hide the problem; others fail.
        ...(code === 'cert_incomplete_chain' ? { missingIntermediate: leaf.issuer, browsersDisagree: true } : {}),
      },
    };
  }
  if (!result.hostnameMatches) {
    return {
      code: 'cert_hostname_mismatch',
      evidence: leaf.hasSubjectAltName ? evidence : { ...evidence, subjectAltName: null, commonNameOnly: true },
    };
  }
  if (daysLeft < EXPIRY_WARNING_DAYS) return { code: 'cert_expiring_soon', evidence };
  return { code: 'cert_ok', evidence };
}
