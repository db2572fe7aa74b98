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
      /** Whether the certificate names the requested host. */
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
  notBefore: string;
  notAfter: string;
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
      finish({
        ok: true,
        protocol: socket.getProtocol() ?? 'unknown',
        authorizationError: socket.authorized ? null : String(socket.authorizationError ?? 'UNKNOWN'),
        hostnameMatches: checkServerIdentity(options.servername, peer) === undefined,
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
  const names = (certificate.subjectaltname ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.startsWith('DNS:'))
    .map((entry) => safeText(entry.slice(4), 253))
    .slice(0, 20);
  return {
    subject: distinguishedName(certificate.subject),
    issuer: distinguishedName(certificate.issuer),
    names,
    notBefore: new Date(certificate.valid_from).toISOString(),
    notAfter: new Date(certificate.valid_to).toISOString(),
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
