import { X509Certificate } from 'node:crypto';
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
      // Node falls back to the subject CN when there is no subjectAltName; no current browser does.
      const hasSan = /(^|,\s*)DNS:/.test(peer.subjectaltname ?? '');
      finish({
        ok: true,
        protocol: socket.getProtocol() ?? 'unknown',
        authorizationError: socket.authorized ? null : String(socket.authorizationError ?? 'UNKNOWN'),
        hostnameMatches: hasSan && checkServerIdentity(options.servername, peer) === undefined,
        chain: summariseChain(peer),
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
  const parsed = new X509Certificate(certificate.raw);
  const key = parsed.publicKey;
  const details = key.asymmetricKeyDetails;
  return {
    subject: distinguishedName(certificate.subject),
    issuer: distinguishedName(certificate.issuer),
    names,
    hasSubjectAltName: dnsNames.length > 0,
    notBefore: new Date(certificate.valid_from).toISOString(),
    notAfter: new Date(certificate.valid_to).toISOString(),
    keyType: key.asymmetricKeyType ?? 'unknown',
    keyBits: details?.modulusLength ?? (typeof certificate.bits === 'number' ? certificate.bits : null),
    signatureAlgorithm: safeText(parsed.signatureAlgorithm ?? 'unknown', 100),
    selfIssued: parsed.checkIssued(parsed),
  };
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
