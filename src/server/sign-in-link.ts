import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** How long a sign-in link from the dashboard stays usable. */
export const LINK_TTL_SECONDS = 10 * 60;

/** Why a sign-in link was refused: a closed set the sign-in page explains. */
export type LinkRejection = 'missing' | 'malformed' | 'bad_signature' | 'expired' | 'replayed';

/** A verified link's content. */
export interface SignInClaims {
  accountId: string;
  expires: number;
  nonce: string;
}

const ACCOUNT_ID = /^[A-Za-z0-9_-]{1,64}$/;
const NONCE = /^[A-Za-z0-9_-]{16,64}$/;
/** An HMAC-SHA256 in unpadded base64url: 32 bytes are 43 characters. */
const SIGNATURE = /^[A-Za-z0-9_-]{43}$/;
/** How far the dashboard's clock may run ahead of ours. */
const CLOCK_SKEW_SECONDS = 60;

function signature(secret: string, { accountId, expires, nonce }: SignInClaims): Buffer {
  return createHmac('sha256', secret).update(`${accountId}\n${expires}\n${nonce}`).digest();
}

/**
 * A short-lived link that signs a reader in to the guide as `accountId`: the
 * platform's dashboard makes it with the shared secret, the site checks it once.
 */
export function mintSignInLink(options: {
  origin: string;
  accountId: string;
  secret: string;
  now?: Date;
  ttlSeconds?: number;
}): string {
  if (!ACCOUNT_ID.test(options.accountId)) throw new Error(`Invalid account id: ${options.accountId}`);
  const claims: SignInClaims = {
    accountId: options.accountId,
    expires: Math.floor((options.now ?? new Date()).getTime() / 1000) + (options.ttlSeconds ?? LINK_TTL_SECONDS),
    nonce: randomBytes(18).toString('base64url'),
  };
  const url = new URL('/sign-in', options.origin);
  url.searchParams.set('account', claims.accountId);
  url.searchParams.set('expires', String(claims.expires));
  url.searchParams.set('nonce', claims.nonce);
  url.searchParams.set('signature', signature(options.secret, claims).toString('base64url'));
  return url.href;
}

/** Checks a sign-in link's signature and expiry (not replay: that needs the nonce store). */
export function verifySignInLink(
  params: URLSearchParams,
  secret: string,
  now: Date = new Date(),
): { ok: true; claims: SignInClaims } | { ok: false; reason: LinkRejection } {
  const accountId = params.get('account');
  const expiresText = params.get('expires');
  const nonce = params.get('nonce');
  const given = params.get('signature');
  if (!accountId || !expiresText || !nonce || !given) return { ok: false, reason: 'missing' };
  const expires = Number(expiresText);
  if (!ACCOUNT_ID.test(accountId) || !NONCE.test(nonce) || !/^\d{1,12}$/.test(expiresText))
    return { ok: false, reason: 'malformed' };

  // A link lives ten minutes: one valid for longer was not made by the dashboard's rules.
  if (expires * 1000 > now.getTime() + (LINK_TTL_SECONDS + CLOCK_SKEW_SECONDS) * 1000)
    return { ok: false, reason: 'malformed' };
  // Only the one canonical spelling of the signature: no padding, no other alphabet, no spare bits.
  if (!SIGNATURE.test(given) || Buffer.from(given, 'base64url').toString('base64url') !== given)
    return { ok: false, reason: 'bad_signature' };

  const claims = { accountId, expires, nonce };
  const expected = signature(secret, claims);
  if (!timingSafeEqual(Buffer.from(given, 'base64url'), expected)) return { ok: false, reason: 'bad_signature' };
  if (expires * 1000 <= now.getTime()) return { ok: false, reason: 'expired' };
  return { ok: true, claims };
}
