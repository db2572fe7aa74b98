import { randomBytes } from 'node:crypto';
import type { DatabaseSync } from 'node:sqlite';

/** How long a reader stays signed in. */
export const SESSION_TTL_SECONDS = 8 * 60 * 60;

/** The cookie that carries the session id. */
export const SESSION_COOKIE = 'tl_session';

/**
 * Sessions and used sign-in nonces. A shared store rejects with
 * `StorageUnavailableError` when its database cannot be reached; it never
 * resolves to "no session" or "fresh nonce" in that case.
 */
export interface SessionStore {
  /** Starts a session for an account; resolves to its unguessable id. */
  create(accountId: string): Promise<string>;
  /** The account of a live session, or undefined. */
  accountOf(id: string | undefined): Promise<string | undefined>;
  /** Ends a session. */
  destroy(id: string | undefined): Promise<void>;
  /** Records a sign-in link's nonce as used; false when it was used before (a replay). */
  consumeNonce(nonce: string, expires: number): Promise<boolean>;
}

/** A new session id: 256 random bits, URL-safe. */
export function newSessionId(): string {
  return randomBytes(32).toString('base64url');
}

/** Sessions and used sign-in nonces in the site's SQLite file. */
export function createSessionStore(db: DatabaseSync, now: () => Date = () => new Date()): SessionStore {
  const seconds = () => Math.floor(now().getTime() / 1000);
  return {
    async create(accountId) {
      const id = newSessionId();
      db.prepare('DELETE FROM sessions WHERE expires_at <= ?').run(seconds());
      db.prepare('INSERT INTO sessions (id, account_id, expires_at) VALUES (?, ?, ?)').run(
        id,
        accountId,
        seconds() + SESSION_TTL_SECONDS,
      );
      return id;
    },
    async accountOf(id) {
      if (!id) return undefined;
      const row = db.prepare('SELECT account_id FROM sessions WHERE id = ? AND expires_at > ?').get(id, seconds()) as
        { account_id: string } | undefined;
      return row?.account_id;
    },
    async destroy(id) {
      if (id) db.prepare('DELETE FROM sessions WHERE id = ?').run(id);
    },
    async consumeNonce(nonce, expires) {
      db.prepare('DELETE FROM used_nonces WHERE expires_at <= ?').run(seconds());
      const result = db
        .prepare('INSERT OR IGNORE INTO used_nonces (nonce, expires_at) VALUES (?, ?)')
        .run(nonce, expires);
      return result.changes === 1;
    },
  };
}
