import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';

import ipaddr from 'ipaddr.js';
import { z } from 'zod';

import { ChecksEnvSchema, type ChecksEnv } from '../checks/config.ts';
import { loadCdnRanges } from '../checks/net/cdn-ranges.ts';
import { SiteUrlSchema } from '../site/build-values.ts';
import { GUIDE_PATH } from '../site/site.ts';
import { DatabaseUrlSchema } from '../storage/open-storage.ts';
import { RedisUrlSchema } from './redis-state.ts';

/** Which proxies in front of the server are believed about the client and the scheme. */
export type TrustProxy =
  | { kind: 'none' }
  /** The last `hops` entries of `X-Forwarded-For` were added by our own proxies. */
  | { kind: 'hops'; hops: number }
  /** Any peer inside these networks is our own proxy. */
  | { kind: 'networks'; networks: [ipaddr.IPv4 | ipaddr.IPv6, number][] };

const port = z.coerce.number<string>().int().min(1).max(65535);
const positive = z.coerce.number<string>().int().min(1);

const TrustProxySchema = z
  .string()
  .trim()
  .optional()
  .transform((value, ctx): TrustProxy => {
    if (!value || value === '0' || value === 'false') return { kind: 'none' };
    if (/^\d+$/.test(value)) return { kind: 'hops', hops: Number(value) };
    const networks: [ipaddr.IPv4 | ipaddr.IPv6, number][] = [];
    for (const entry of value.split(',').map((part) => part.trim())) {
      try {
        networks.push(
          entry.includes('/')
            ? ipaddr.parseCIDR(entry)
            : ipaddr.parseCIDR(`${entry}/${entry.includes(':') ? 128 : 32}`),
        );
      } catch {
        ctx.addIssue({
          code: 'custom',
          message: `"${entry}" is neither a number of hops nor an address or CIDR block`,
        });
        return z.NEVER;
      }
    }
    return { kind: 'networks', networks };
  });

/** The server's own settings: where it listens, who it trusts, its limits, accounts and storage. */
export const ServerEnvSchema = z
  .object({
    /** Address the server listens on. */
    HOST: z.string().trim().min(1).default('localhost'),
    /** Port the server listens on. */
    PORT: port.default(4321),
    /** The public origin readers use (canonical links, `docs` links, the Origin every change must carry). */
    SITE_URL: SiteUrlSchema,
    /** Which proxies to believe: a number of hops, or a comma-separated list of addresses and CIDR blocks. */
    TRUST_PROXY: TrustProxySchema,
    /** A separate port for Prometheus metrics; unset, there is no metrics listener. */
    METRICS_PORT: port.optional(),
    /** The address the metrics listener binds to. */
    METRICS_HOST: z.string().trim().min(1).default('127.0.0.1'),
    /** `debug`, `info` (one line per request), `warn` or `error`. */
    LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
    /** Checks API requests per client (an IPv4 address or an IPv6 /64) per minute. */
    CHECKS_RATE_LIMIT_PER_CLIENT: positive.default(30),
    /** Fresh reports per checked domain per minute, whoever asks (turning HTTPS on included). */
    CHECKS_RATE_LIMIT_PER_DOMAIN: positive.default(6),
    /** Check runs in progress at once, across the JSON API, the stream and turning HTTPS on. */
    CHECKS_MAX_CONCURRENT: positive.default(32),
    /** Reports one client may share per minute. */
    SHARE_RATE_LIMIT_PER_CLIENT: positive.default(10),
    /** Account changes (click tracking, HTTPS) one account may make per minute. */
    ACCOUNT_RATE_LIMIT_PER_ACCOUNT: positive.default(10),
    /** A PostgreSQL URL: sessions, reports, accounts and the audit log live there instead of `DATABASE_PATH`. */
    DATABASE_URL: DatabaseUrlSchema,
    /** A Redis URL: rate limits, the cap on runs, the report cache and run sharing are shared by every instance. */
    REDIS_URL: RedisUrlSchema,
    /** The SQLite file for sessions and, with the embedded directory, accounts and the audit log. */
    DATABASE_PATH: z.string().trim().min(1).default('./data/tracklight.sqlite'),
    /** The secret shared with the dashboard that signs sign-in links (at least 32 characters). */
    LOGIN_LINK_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
    /** `1` seeds demo accounts. */
    TRACKLIGHT_DEMO: z.enum(['0', '1']).default('0'),
    /** `embedded` (SQLite, the default) or `http` (the platform's account API). */
    ACCOUNT_DIRECTORY: z.enum(['embedded', 'http']).default('embedded'),
    /** The account API's base URL, for `ACCOUNT_DIRECTORY=http`. */
    ACCOUNT_API_URL: z.url({ protocol: /^https?$/ }).optional(),
    /** The bearer token for the account API. */
    ACCOUNT_API_TOKEN: z.string().min(1).optional(),
    /** Days a shared report stays available before it is purged. */
    REPORT_RETENTION_DAYS: z.coerce.number<string>().int().min(1).max(3650).default(30),
  })
  .superRefine((env, ctx) => {
    if (env.ACCOUNT_DIRECTORY !== 'http') return;
    for (const key of ['ACCOUNT_API_URL', 'ACCOUNT_API_TOKEN'] as const) {
      if (!env[key]) ctx.addIssue({ code: 'custom', path: [key], message: 'is required with ACCOUNT_DIRECTORY=http' });
    }
  });

/** The server's validated environment. */
export type ServerEnv = z.output<typeof ServerEnvSchema>;

/** Everything the server runs with, validated once before it listens. */
export interface Config {
  server: ServerEnv;
  checks: ChecksEnv;
  /** The public origin, e.g. `https://docs.example.com`. */
  siteOrigin: string;
  /** The canonical guide's absolute URL, which every check result links into. */
  guideUrl: string;
}

/** A configuration that cannot run: the message names each bad variable and why. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/**
 * Validates every variable, and the files they name (the CDN ranges must parse,
 * the CA file must hold PEM certificates), before anything listens.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const problems: string[] = [];
  const server = ServerEnvSchema.safeParse(env);
  const checks = ChecksEnvSchema.safeParse(env);
  for (const result of [server, checks]) {
    if (!result.success)
      problems.push(...result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  }
  if (checks.success) problems.push(...checkFiles(checks.data));
  if (problems.length > 0 || !server.success || !checks.success) {
    throw new ConfigError(`Invalid configuration:\n${problems.map((problem) => `  ${problem}`).join('\n')}`);
  }
  const siteOrigin = new URL(server.data.SITE_URL ?? `http://localhost:${server.data.PORT}`).origin;
  return {
    server: server.data,
    checks: checks.data,
    siteOrigin,
    guideUrl: new URL(GUIDE_PATH, siteOrigin).href,
  };
}

/** Problems with the files the checks read, each naming its variable. */
function checkFiles(checks: ChecksEnv): string[] {
  const problems: string[] = [];
  if (checks.CHECKS_CDN_RANGES_FILE) {
    try {
      loadCdnRanges(checks.CHECKS_CDN_RANGES_FILE);
    } catch (error) {
      problems.push(`CHECKS_CDN_RANGES_FILE: cannot use ${checks.CHECKS_CDN_RANGES_FILE}: ${firstLine(error)}`);
    }
  }
  if (checks.CHECKS_EXTRA_CA_FILE) {
    try {
      const pem = readFileSync(checks.CHECKS_EXTRA_CA_FILE, 'utf8');
      const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
      if (blocks.length === 0) throw new Error('no PEM certificate in it');
      for (const block of blocks) new X509Certificate(block);
    } catch (error) {
      problems.push(`CHECKS_EXTRA_CA_FILE: cannot use ${checks.CHECKS_EXTRA_CA_FILE}: ${firstLine(error)}`);
    }
  }
  return problems;
}

function firstLine(error: unknown): string {
  if (error instanceof z.ZodError) return 'not a CDN ranges file (see src/checks/data/cdn-ranges.json)';
  return String((error as Error)?.message ?? error).split('\n')[0]!;
}
