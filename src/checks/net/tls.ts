import {
  checkServerIdentity,
  connect,
  type DetailedPeerCertificate,
  type SecureContext,
  type TLSSocket,
} from 'node:tls';

import { safeText } from './text.ts';

/** Why a TLS connection could not be made. */
export type TlsFailure =
  'tls_connection_refused' | 'tls_timeout' | 'not_tls' | 'tls_version_too_old' | 'tls_handshake_failed';

/** What the certificate check needs from one handshake. */
export type HandshakeResult =
  | {
      ok: true;
      protocol: string;
      /** OpenSSL's verification error, e.g. `CERT_HAS_EXPIRED`, or null when the chain verified. */
      authorizationError: string | null;
      /** Whether the certificate's subjectAltName names the requested host (browsers ignore the CN). */
      hostnameMatches: boolean;
      /** The leaf first, then its issuers as far as they could be found. */
      chain: CertificateSummary[];
      /** The open connection, when `keepOpen` was asked for; the caller must close it. */
      socket?: TLSSocket;
    }
  | { ok: false; failure: TlsFailure; detail: string };

/** The facts about one certificate that readers and support need. */
export interface CertificateSummary {
  subject: string;
  issuer: string;
  names: string[];
  /** Whether the certificate has a subjectAltName extension with DNS names at all. */
  hasSubjectAltName: boolean;
  notBefore: string;
  notAfter: string;
  /** `rsa`, `ec`, `ed25519`…, and the key's size in bits (the curve's size for EC). */
  keyType: string;
  keyBits: number | null;
  /** OpenSSL's name of the signature algorithm, e.g. `ecdsa-with-SHA256`, `sha1WithRSAEncryption`. */
  signatureAlgorithm: string;
  /** True for a certificate that issued itself (a root). */
  selfIssued: boolean;
}

/** Where and how to shake hands. */
export interface HandshakeOptions {
  address: string;
  port: number;
  servername: string;
  trust: SecureContext;
  connectTimeoutMs: number;
  handshakeTimeoutMs: number;
  signal: AbortSignal;
  /** Leave a successful connection open and return it, for a request that follows. */
  keepOpen?: boolean;
}

const NOT_TLS = new Set(['ERR_SSL_WRONG_VERSION_NUMBER', 'ERR_SSL_PACKET_LENGTH_TOO_LONG', 'ERR_SSL_HTTP_REQUEST']);
const TOO_OLD = new Set([
  'ERR_SSL_UNSUPPORTED_PROTOCOL',
  'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION',
  'ERR_SSL_NO_PROTOCOLS_AVAILABLE',
  'ERR_SSL_UNKNOWN_PROTOCOL',
]);

/**
 * One TLS handshake with SNI to one vetted address, accepting TLS 1.2 and
 * newer. The certificate is not rejected here: it is inspected, so the reader
 * learns exactly what is wrong with it.
 */
export function handshake(options: HandshakeOptions): Promise<HandshakeResult> {
  return new Promise((resolve) => {
    // A report out of time starts no new connection.
    if (options.signal.aborted) {
      resolve({ ok: false, failure: 'tls_timeout', detail: 'the report ran out of time' });
      return;
    }
    let settled = false;
    const socket = connect({
      host: options.address,
      port: options.port,
      servername: options.servername,
      secureContext: options.trust,
      rejectUnauthorized: false,
    });
    const finish = (result: HandshakeResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(connectTimer);
      clearTimeout(handshakeTimer);
      options.signal.removeEventListener('abort', onAbort);
      socket.removeListener('close', onClose);
      if (result.ok && options.keepOpen) {
        result.socket = socket;
        // The connection may still fail later: the probe then sees the error, not an unhandled event.
        socket.on('error', () => {});
      } else {
        socket.destroy();
      }
      resolve(result);
    };
    const timeout = (phase: string) => () =>
      finish({ ok: false, failure: 'tls_timeout', detail: `no ${phase} within the time limit` });
    const onAbort = timeout('answer');
    const connectTimer = setTimeout(timeout('connection'), options.connectTimeoutMs);
    let handshakeTimer: NodeJS.Timeout | undefined;
    options.signal.addEventListener('abort', onAbort, { once: true });

    socket.once('connect', () => {
      clearTimeout(connectTimer);
      handshakeTimer = setTimeout(timeout('handshake'), options.handshakeTimeoutMs);
    });
    socket.once('secureConnect', () => {
      const peer = socket.getPeerCertificate(true);
      const chain = summariseChain(peer);
      finish({
        ok: true,
        protocol: socket.getProtocol() ?? 'unknown',
        authorizationError: socket.authorized ? null : String(socket.authorizationError ?? 'UNKNOWN'),
        // Node falls back to the subject CN when there is no subjectAltName; no current browser does.
        hostnameMatches:
          chain[0]?.hasSubjectAltName === true && checkServerIdentity(options.servername, peer) === undefined,
        chain,
      });
    });
    socket.once('error', (error: NodeJS.ErrnoException) => finish(classifyError(error)));
    function onClose() {
      finish({ ok: false, failure: 'tls_handshake_failed', detail: 'connection closed' });
    }
    socket.once('close', onClose);
  });
}

function classifyError(error: NodeJS.ErrnoException): HandshakeResult {
  const code = error.code ?? '';
  const detail = safeText(code || error.message);
  if (code === 'ECONNREFUSED') return { ok: false, failure: 'tls_connection_refused', detail };
  if (code === 'ETIMEDOUT') return { ok: false, failure: 'tls_timeout', detail };
  if (NOT_TLS.has(code)) return { ok: false, failure: 'not_tls', detail };
  if (TOO_OLD.has(code)) return { ok: false, failure: 'tls_version_too_old', detail };
  return { ok: false, failure: 'tls_handshake_failed', detail };
}

/** The leaf and its issuers, stopping at the first certificate that repeats (a root issues itself). */
function summariseChain(leaf: DetailedPeerCertificate): CertificateSummary[] {
  const chain: CertificateSummary[] = [];
  const seen = new Set<string>();
  let current: DetailedPeerCertificate | undefined = leaf;
  while (current && current.fingerprint256 && !seen.has(current.fingerprint256)) {
    seen.add(current.fingerprint256);
    chain.push(summarise(current));
    current = current.issuerCertificate;
  }
  return chain;
}

function summarise(certificate: DetailedPeerCertificate): CertificateSummary {
  const dnsNames = (certificate.subjectaltname ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.startsWith('DNS:'));
  const names = dnsNames.map((entry) => safeText(entry.slice(4), 253)).slice(0, 20);
  // Node's legacy fields say enough about the key; parsing each certificate again would cost
  // a third of a millisecond per certificate on every report.
  const keyType = certificate.modulus ? 'rsa' : certificate.asn1Curve || certificate.nistCurve ? 'ec' : 'other';
  return {
    subject: distinguishedName(certificate.subject),
    issuer: distinguishedName(certificate.issuer),
    names,
    hasSubjectAltName: dnsNames.length > 0,
    notBefore: new Date(certificate.valid_from).toISOString(),
    notAfter: new Date(certificate.valid_to).toISOString(),
    keyType,
    keyBits: typeof certificate.bits === 'number' ? certificate.bits : null,
    signatureAlgorithm: signatureAlgorithm(certificate.raw),
    selfIssued: certificate.issuerCertificate?.fingerprint256 === certificate.fingerprint256,
  };
}

/** Signature algorithms by OID (RFC 3279, 4055, 5758, 8410): the weak ones and the common strong ones. */
const SIGNATURE_ALGORITHMS: Record<string, string> = {
  '1.2.840.113549.1.1.2': 'md2WithRSAEncryption',
  '1.2.840.113549.1.1.4': 'md5WithRSAEncryption',
  '1.2.840.113549.1.1.5': 'sha1WithRSAEncryption',
  '1.2.840.113549.1.1.10': 'rsassaPss',
  '1.2.840.113549.1.1.11': 'sha256WithRSAEncryption',
  '1.2.840.113549.1.1.12': 'sha384WithRSAEncryption',
  '1.2.840.113549.1.1.13': 'sha512WithRSAEncryption',
  '1.2.840.10040.4.3': 'dsa-with-SHA1',
  '1.2.840.10045.4.1': 'ecdsa-with-SHA1',
  '1.2.840.10045.4.3.2': 'ecdsa-with-SHA256',
  '1.2.840.10045.4.3.3': 'ecdsa-with-SHA384',
  '1.2.840.10045.4.3.4': 'ecdsa-with-SHA512',
  '1.3.101.112': 'ED25519',
  '1.3.101.113': 'ED448',
};

/** The certificate's outer signatureAlgorithm, read straight from its DER: Certificate ::= SEQUENCE { tbs, algorithm, signature }. */
export function signatureAlgorithm(der: Buffer): string {
  try {
    let offset = 0;
    /** Reads a tag and its length at `offset`; returns where the contents start and how long they are. */
    const header = (expected: number) => {
      if (der[offset] !== expected) throw new Error('unexpected DER tag');
      let length = der[offset + 1]!;
      let start = offset + 2;
      if (length & 0x80) {
        const bytes = length & 0x7f;
        length = 0;
        for (let index = 0; index < bytes; index++) length = length * 256 + der[start + index]!;
        start += bytes;
      }
      return { start, length };
    };
    offset = header(0x30).start; // Certificate
    const tbs = header(0x30);
    offset = tbs.start + tbs.length;
    offset = header(0x30).start; // AlgorithmIdentifier
    const oid = header(0x06);
    const bytes = der.subarray(oid.start, oid.start + oid.length);
    const parts = [Math.floor(bytes[0]! / 40), bytes[0]! % 40];
    let value = 0;
    for (const byte of bytes.subarray(1)) {
      value = value * 128 + (byte & 0x7f);
      if (!(byte & 0x80)) {
        parts.push(value);
        value = 0;
      }
    }
    const dotted = parts.join('.');
    return SIGNATURE_ALGORITHMS[dotted] ?? dotted;
  } catch {
    return 'unknown';
  }
}

function distinguishedName(name: { CN?: string | string[]; O?: string | string[] } | undefined): string {
  if (!name) return '';
  // A name may repeat an attribute; Node then gives an array.
  const pick = (key: 'CN' | 'O') => {
    const value = name[key];
    return Array.isArray(value) ? value[0] : value;
  };
  return safeText([pick('CN'), pick('O')].filter(Boolean).join(', '));
}
