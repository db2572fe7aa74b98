import { newSessionId, SESSION_TTL_SECONDS, type SessionStore } from '../../server/sessions.ts';
import type { PostgresDatabase } from './database.ts';

/** Sessions and used sign-in nonces in PostgreSQL, shared by every instance on the database. */
export function createPostgresSessionStore(db: PostgresDatabase, now: () => Date = () => new Date()): SessionStore {
  const seconds = () => Math.floor(now().getTime() / 1000);
  return {
    async create(accountId) {
      const id = newSessionId();
      await db.query('DELETE FROM sessions WHERE expires_at <= $1', [seconds()]);
      await db.query('INSERT INTO sessions (id, account_id, expires_at) VALUES ($1, $2, $3)', [
        id,
        accountId,
        seconds() + SESSION_TTL_SECONDS,
      ]);
      return id;
    },
    async accountOf(id) {
      if (!id) return undefined;
      const { rows } = await db.query<{ account_id: string }>(
        'SELECT account_id FROM sessions WHERE id = $1 AND expires_at > $2',
        [id, seconds()],
      );
      return rows[0]?.account_id;
    },
    async destroy(id) {
      if (id) await db.query('DELETE FROM sessions WHERE id = $1', [id]);
    },
    async consumeNonce(nonce, expires) {
      await db.query('DELETE FROM used_nonces WHERE expires_at <= $1', [seconds()]);
      // The primary key decides: of two instances inserting the same nonce at once,
      // the second waits for the first to commit and then inserts nothing.
      const result = await db.query(
        'INSERT INTO used_nonces (nonce, expires_at) VALUES ($1, $2) ON CONFLICT (nonce) DO NOTHING',
        [nonce, expires],
      );
      return result.rowCount === 1;
    },
  };
}
