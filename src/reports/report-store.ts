import { randomBytes } from 'node:crypto';
import type { DatabaseSync } from 'node:sqlite';

import type { Report } from '../checks/types.ts';

/** The reader's browser and system, as their own browser described them. */
export interface ClientInfo {
  browser: string;
  os: string;
  platform: string;
}

/** A saved report: exactly what the reader saw, and the context support needs. No secrets, cookies or IP address. */
export interface SharedReport {
  id: string;
  createdAt: string;
  expiresAt: string;
  /** The guide version the reader was on (always the current one: archived pages do not share). */
  guideVersion: string;
  locale: string;
  client: ClientInfo;
  report: Report;
  /** The signed-in account, when there was one. */
  account?: { id: string; steps: { id: string; status: string; code: string }[] };
}

/** Report ids: 128 random bits, URL-safe. */
export const REPORT_ID = /^[A-Za-z0-9_-]{22}$/;

const DAY_MS = 86_400_000;

/** A report to save: the snapshot without the fields the store assigns. */
export type NewReport = Omit<SharedReport, 'id' | 'createdAt' | 'expiresAt'>;

/**
 * Saved reports, purged after the retention period. A shared store rejects
 * with `StorageUnavailableError` when its database cannot be reached.
 */
export interface ReportStore {
  /** Saves a snapshot and resolves to it with its new, unguessable id. */
  save(snapshot: NewReport): Promise<SharedReport>;
  /** A live report by id; undefined for a malformed, unknown or expired id, alike. */
  get(id: string): Promise<SharedReport | undefined>;
  /** Deletes every expired report; resolves to how many. */
  purge(): Promise<number>;
}

/** Stamps a snapshot with a new id, its creation time and its expiry (in ms since the epoch), as every store saves it. */
export function stampReport(
  snapshot: NewReport,
  created: Date,
  retentionDays: number,
): { saved: SharedReport; expiresMs: number } {
  const expires = new Date(created.getTime() + retentionDays * DAY_MS);
  const saved: SharedReport = {
    id: randomBytes(16).toString('base64url'),
    createdAt: created.toISOString(),
    expiresAt: expires.toISOString(),
    ...snapshot,
  };
  return { saved, expiresMs: expires.getTime() };
}

/** Saved reports in the site's SQLite file. */
export function createReportStore(db: DatabaseSync, options: { retentionDays: number; now?: () => Date }): ReportStore {
  const now = options.now ?? (() => new Date());
  return {
    async save(snapshot) {
      const { saved, expiresMs } = stampReport(snapshot, now(), options.retentionDays);
      db.prepare('INSERT INTO reports (id, created_at, expires_at, snapshot) VALUES (?, ?, ?, ?)').run(
        saved.id,
        saved.createdAt,
        expiresMs,
        JSON.stringify(saved),
      );
      return saved;
    },
    async get(id) {
      if (!REPORT_ID.test(id)) return undefined;
      const row = db
        .prepare('SELECT snapshot FROM reports WHERE id = ? AND expires_at > ?')
        .get(id, now().getTime()) as { snapshot: string } | undefined;
      return row ? (JSON.parse(row.snapshot) as SharedReport) : undefined;
    },
    async purge() {
      return Number(db.prepare('DELETE FROM reports WHERE expires_at <= ?').run(now().getTime()).changes);
    },
  };
}
