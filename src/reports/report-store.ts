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

/** Saved reports in the site's database, purged after the retention period. */
export function createReportStore(db: DatabaseSync, options: { retentionDays: number; now?: () => Date }) {
  const now = options.now ?? (() => new Date());
  return {
    /** Saves a snapshot and returns it with its new, unguessable id. */
    save(snapshot: Omit<SharedReport, 'id' | 'createdAt' | 'expiresAt'>): SharedReport {
      const created = now();
      const expires = new Date(created.getTime() + options.retentionDays * DAY_MS);
      const saved: SharedReport = {
        id: randomBytes(16).toString('base64url'),
        createdAt: created.toISOString(),
        expiresAt: expires.toISOString(),
        ...snapshot,
      };
      db.prepare('INSERT INTO reports (id, created_at, expires_at, snapshot) VALUES (?, ?, ?, ?)').run(
        saved.id,
        saved.createdAt,
        expires.getTime(),
        JSON.stringify(saved),
      );
      return saved;
    },
    /** A live report by id; undefined for a malformed, unknown or expired id, alike. */
    get(id: string): SharedReport | undefined {
      if (!REPORT_ID.test(id)) return undefined;
      const row = db
        .prepare('SELECT snapshot FROM reports WHERE id = ? AND expires_at > ?')
        .get(id, now().getTime()) as { snapshot: string } | undefined;
      return row ? (JSON.parse(row.snapshot) as SharedReport) : undefined;
    },
    /** Deletes every expired report; returns how many. */
    purge(): number {
      return Number(db.prepare('DELETE FROM reports WHERE expires_at <= ?').run(now().getTime()).changes);
    },
  };
}

/** The report store's interface. */
export type ReportStore = ReturnType<typeof createReportStore>;
