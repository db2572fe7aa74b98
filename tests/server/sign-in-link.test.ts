import { describe, expect, it } from 'vitest';

import { createSessionStore } from '../../src/server/sessions.ts';
import { mintSignInLink, verifySignInLink } from '../../src/server/sign-in-link.ts';
import { openDatabase } from '../../src/storage/database.ts';

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
    ['expires', '9999999999'],
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

  it('lets each nonce sign in once: a replay is refused', () => {
    const sessions = createSessionStore(openDatabase(':memory:'), () => NOW);
    const verified = verifySignInLink(link().searchParams, SECRET, NOW);
    if (!verified.ok) throw new Error('expected a valid link');
    expect(sessions.consumeNonce(verified.claims.nonce, verified.claims.expires)).toBe(true);
    expect(sessions.consumeNonce(verified.claims.nonce, verified.claims.expires)).toBe(false);
  });
});

describe('sessions', () => {
  it('map an unguessable id to an account until they expire or end', () => {
    let now = NOW;
    const sessions = createSessionStore(openDatabase(':memory:'), () => now);
    const id = sessions.create('acct_demo');
    expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(sessions.accountOf(id)).toBe('acct_demo');
    expect(sessions.accountOf('made-up')).toBeUndefined();
    sessions.destroy(id);
    expect(sessions.accountOf(id)).toBeUndefined();
    const other = sessions.create('acct_demo');
    now = new Date(NOW.getTime() + 9 * 3_600_000);
    expect(sessions.accountOf(other)).toBeUndefined();
  });
});
