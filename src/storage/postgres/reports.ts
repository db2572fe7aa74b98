import { REPORT_ID, stampReport, type ReportStore, type SharedReport } from '../../reports/report-store.ts';
import type { PostgresDatabase } from './database.ts';

/** Saved reports in PostgreSQL, readable from every instance on the database. */
export function createPostgresReportStore(
  db: PostgresDatabase,
  options: { retentionDays: number; now?: () => Date },
): ReportStore {
  const now = options.now ?? (() => new Date());
  return {
    async save(snapshot) {
      const { saved, expiresMs } = stampReport(snapshot, now(), options.retentionDays);
      await db.query('INSERT INTO reports (id, created_at, expires_at, snapshot) VALUES ($1, $2, $3, $4)', [
        saved.id,
        saved.createdAt,
        expiresMs,
        JSON.stringify(saved),
      ]);
      return saved;
    },
    async get(id) {
      if (!REPORT_ID.test(id)) return undefined;
      const { rows } = await db.query<{ snapshot: string }>(
        'SELECT snapshot FROM reports WHERE id = $1 AND expires_at > $2',
        [id, now().getTime()],
      );
      return rows[0] ? (JSON.parse(rows[0].snapshot) as SharedReport) : undefined;
    },
    async purge() {
      const result = await db.query('DELETE FROM reports WHERE expires_at <= $1', [now().getTime()]);
      return result.rowCount ?? 0;
    },
  };
}
