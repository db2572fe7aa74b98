import { randomBytes } from 'node:crypto';
import type { DatabaseSync } from 'node:sqlite';

/** How long a reader stays signed in. */
export const SESSION_TTL_SECONDS = 8 * 60 * 60;

/** The cookie that carries the session id. */
export const SESSION_COOKIE = 'tl_session';

/** Sessions and used sign-in nonces, in the site's database. */
export function createSessionStore(db: DatabaseSync, now: () => Date = () => new Date()) {
  const seconds = () => Math.floor(now().getTime() / 1000);
  return {
    /** Starts a session for an account; returns its unguessable id. */
    create(accountId: string): string {
      const id = randomBytes(32).toString('base64url');
      db.prepare('DELETE FROM sessions WHERE expires_at <= ?').run(seconds());
      db.prepare('INSERT INTO sessions (id, account_id, expires_at) VALUES (?, ?, ?)').run(
        id,
        accountId,
        seconds() + SESSION_TTL_SECONDS,
      );
      return id;
    },
    /** The account of a live session, or undefined. */
    accountOf(id: string | undefined): string | undefined {
      if (!id) return undefined;
      const row = db.prepare('SELECT account_id FROM sessions WHERE id = ? AND expires_at > ?').get(id, seconds()) as
        { account_id: string } | undefined;
      return row?.account_id;
    },
    /** Ends a session. */
    destroy(id: string | undefined): void {
      if (id) db.prepare('DELETE FROM sessions WHERE id = ?').run(id);
    },
    /** Records a sign-in link's nonce as used; false when it was used before (a replay). */
    consumeNonce(nonce: string, expires: number): boolean {
      db.prepare('DELETE FROM used_nonces WHERE expires_at <= ?').run(seconds());
      const result = db
        .prepare('INSERT OR IGNORE INTO used_nonces (nonce, expires_at) VALUES (?, ?)')
        .run(nonce, expires);
      return result.changes === 1;
    },
  };
}

/** The session store's interface. */
export type SessionStore = ReturnType<typeof createSessionStore>;
