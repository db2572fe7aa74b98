import { describe, expect, it } from 'vitest';

import { GET as signInRoute } from '../../src/server/routes/sign-in.ts';
import { createSessionStore } from '../../src/server/sessions.ts';
import { LINK_TTL_SECONDS, mintSignInLink, verifySignInLink } from '../../src/server/sign-in-link.ts';
import { openDatabase } from '../../src/storage/database.ts';
import { testApp } from './harness.ts';

const SECRET = 'a-test-secret-that-is-long-enough-1234';
const NOW = new Date('2026-11-22T12:00:00Z');
const link = (overrides: Partial<Parameters<typeof mintSignInLink>[0]> = {}) =>
  new URL(
    mintSignInLink({ origin: 'http://localhost:4321', accountId: 'acct_demo', secret: SECRET, now: NOW, ...overrides }),
  );

describe('sign-in links', () => {
  it('verifies a fresh link and yields its account', () => {
    const verified = verifySignInLink(link().searchParams, SECRET, NOW);
    expect(verified).toMatchObject({ ok: true, claims: { accountId: 'acct_demo' } });
  });

  it('refuses an expired link', () => {
    const later = new Date(NOW.getTime() + 11 * 60_000);
    expect(verifySignInLink(link().searchParams, SECRET, later)).toEqual({ ok: false, reason: 'expired' });
  });

  it.each([
    ['account', 'acct_other'],
    // Later, but still within the ten minutes a link may live: only the signature can catch it.
    ['expires', String(NOW.getTime() / 1000 + 630)],
    ['nonce', 'AAAAAAAAAAAAAAAAAAAAAAAA'],
    ['signature', 'AAAA'],
  ])('refuses a link whose %s was altered', (param, value) => {
    const url = link();
    url.searchParams.set(param, value);
    expect(verifySignInLink(url.searchParams, SECRET, NOW)).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('refuses a link signed with another secret, and an unsigned one', () => {
    expect(
      verifySignInLink(link({ secret: 'another-secret-that-is-also-long-1234' }).searchParams, SECRET, NOW),
    ).toEqual({
      ok: false,
      reason: 'bad_signature',
    });
    const unsigned = link();
    unsigned.searchParams.delete('signature');
    expect(verifySignInLink(unsigned.searchParams, SECRET, NOW)).toEqual({ ok: false, reason: 'missing' });
  });

  it('refuses malformed values without trying them', () => {
    const url = link();
    url.searchParams.set('account', '../../etc');
    expect(verifySignInLink(url.searchParams, SECRET, NOW)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('lets each nonce sign in once: a replay is refused', async () => {
    const sessions = createSessionStore(openDatabase(':memory:'), () => NOW);
    const verified = verifySignInLink(link().searchParams, SECRET, NOW);
    if (!verified.ok) throw new Error('expected a valid link');
    expect(await sessions.consumeNonce(verified.claims.nonce, verified.claims.expires)).toBe(true);
    expect(await sessions.consumeNonce(verified.claims.nonce, verified.claims.expires)).toBe(false);
  });
});

describe('a sign-in link’s lifetime', () => {
  it('is accepted up to ten minutes ahead, plus a minute for the dashboard’s clock', () => {
    expect(LINK_TTL_SECONDS).toBe(600);
    expect(verifySignInLink(link({ ttlSeconds: 600 }).searchParams, SECRET, NOW).ok).toBe(true);
    expect(verifySignInLink(link({ ttlSeconds: 660 }).searchParams, SECRET, NOW).ok).toBe(true);
  });

  it.each([
    ['661 seconds', 661],
    ['a day', 86_400],
    ['until 2100', Math.floor(Date.UTC(2100, 0, 1) / 1000) - Math.floor(NOW.getTime() / 1000)],
  ])('is refused when it is valid for %s', (_, ttlSeconds) => {
    expect(verifySignInLink(link({ ttlSeconds }).searchParams, SECRET, NOW)).toEqual({
      ok: false,
      reason: 'malformed',
    });
  });
});

describe('a sign-in link’s signature', () => {
  /** A valid link whose signature uses both base64url-only characters, so other alphabets can be tried. */
  const linkWithUrlAlphabet = () => {
    for (;;) {
      const url = link();
      const signature = url.searchParams.get('signature')!;
      if (signature.includes('-') || signature.includes('_')) return { url, signature };
    }
  };
  const withSignature = (url: URL, signature: string) => {
    const copy = new URL(url);
    copy.searchParams.set('signature', signature);
    return verifySignInLink(copy.searchParams, SECRET, NOW);
  };

  it('is accepted in its one canonical spelling', () => {
    const { url, signature } = linkWithUrlAlphabet();
    expect(signature).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(withSignature(url, signature).ok).toBe(true);
  });

  it('is refused with padding', () => {
    const { url, signature } = linkWithUrlAlphabet();
    expect(withSignature(url, `${signature}=`)).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('is refused when its last character is changed in the bits that decoding drops', () => {
    const { url, signature } = linkWithUrlAlphabet();
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = alphabet.indexOf(signature.at(-1)!);
    const twin = signature.slice(0, -1) + alphabet[last ^ 1];
    expect(Buffer.from(twin, 'base64url').equals(Buffer.from(signature, 'base64url'))).toBe(true);
    expect(withSignature(url, twin)).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('is refused at the wrong length', () => {
    const { url, signature } = linkWithUrlAlphabet();
    expect(withSignature(url, signature.slice(0, 42))).toEqual({ ok: false, reason: 'bad_signature' });
    expect(withSignature(url, `${signature}A`)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(withSignature(url, `${signature}${signature}`)).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('is refused in the standard base64 alphabet', () => {
    const { url, signature } = linkWithUrlAlphabet();
    const standard = signature.replaceAll('-', '+').replaceAll('_', '/');
    expect(Buffer.from(standard, 'base64').equals(Buffer.from(signature, 'base64url'))).toBe(true);
    expect(withSignature(url, standard)).toEqual({ ok: false, reason: 'bad_signature' });
  });
});

describe('GET /sign-in', () => {
  /** Follows a link through the sign-in route as Astro would call it; returns where it sends the reader and the cookie set. */
  async function follow(href: string) {
    const t = await testApp({ env: { LOGIN_LINK_SECRET: SECRET } });
    const cookies: { name: string; value: string; options: Record<string, unknown> }[] = [];
    const response = await signInRoute({
      url: new URL(href),
      cookies: {
        set: (name: string, value: string, options: Record<string, unknown>) => cookies.push({ name, value, options }),
      },
      locals: { services: t.services },
    } as never);
    return { response, cookies, location: response.headers.get('location') };
  }

  it('signs a reader in from a fresh link, with a Secure cookie and an answer nobody caches', async () => {
    const { response, cookies, location } = await follow(link({ now: new Date() }).href);
    expect(response.status).toBe(303);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(location).toBe('/guides/https-link-tracking/?signin=ok');
    expect(cookies).toEqual([
      {
        name: 'tl_session',
        value: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
        options: expect.objectContaining({ httpOnly: true, secure: true, sameSite: 'lax', path: '/' }),
      },
    ]);
  });

  it('refuses a link valid until 2100 without signing anyone in', async () => {
    const now = new Date();
    const ttlSeconds = Math.floor(Date.UTC(2100, 0, 1) / 1000) - Math.floor(now.getTime() / 1000);
    const { response, cookies, location } = await follow(link({ now, ttlSeconds }).href);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(location).toBe('/guides/https-link-tracking/?signin=malformed');
    expect(cookies).toEqual([]);
  });
});

describe('sessions', () => {
  it('map an unguessable id to an account until they expire or end', async () => {
    let now = NOW;
    const sessions = createSessionStore(openDatabase(':memory:'), () => now);
    const id = await sessions.create('acct_demo');
    expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await sessions.accountOf(id)).toBe('acct_demo');
    expect(await sessions.accountOf('made-up')).toBeUndefined();
    await sessions.destroy(id);
    expect(await sessions.accountOf(id)).toBeUndefined();
    const other = await sessions.create('acct_demo');
    now = new Date(NOW.getTime() + 9 * 3_600_000);
    expect(await sessions.accountOf(other)).toBeUndefined();
  });
});
