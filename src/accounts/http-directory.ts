import { z } from 'zod';

import {
  CERTIFICATE_FAILURES,
  CERTIFICATE_STATES,
  DomainNotInAccountError,
  type AccountDirectory,
  type CertificateFailure,
} from './directory.ts';

const CertificateSchema = z.object({
  state: z.enum(CERTIFICATE_STATES),
  notAfter: z.iso.datetime({ offset: true }).optional(),
  failure: z.enum(Object.keys(CERTIFICATE_FAILURES) as [CertificateFailure, ...CertificateFailure[]]).optional(),
  detail: z.string().max(500).optional(),
});

const AccountSchema = z.object({
  id: z.string(),
  name: z.string(),
  clickTracking: z.boolean(),
  domains: z.array(z.object({ domain: z.string(), https: z.boolean(), certificate: CertificateSchema.optional() })),
});
const ChangedSchema = z.object({ changed: z.boolean() });
const AuditSchema = z.object({
  entries: z.array(
    z.object({
      at: z.string(),
      accountId: z.string(),
      actor: z.string(),
      action: z.enum(['click_tracking_on', 'click_tracking_off', 'https_on', 'https_off', 'certificate_retry']),
      target: z.string().nullable(),
      evidence: z.unknown(),
    }),
  ),
});

/** How to reach the platform's account API. */
export interface HttpDirectoryOptions {
  baseUrl: string;
  token: string;
  timeoutMs?: number;
}

/**
 * The account directory on the email platform's own account API (contract in
 * the README). Every answer is validated; every call has a deadline.
 */
export function createHttpDirectory(options: HttpDirectoryOptions): AccountDirectory {
  const base = options.baseUrl.replace(/\/$/, '');

  async function call<T>(
    method: string,
    path: string,
    schema: z.ZodType<T>,
    body?: unknown,
  ): Promise<{ status: number; data?: T }> {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${options.token}`,
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(options.timeoutMs ?? 5_000),
    });
    if (response.status === 404) return { status: 404 };
    if (!response.ok) throw new Error(`Account API ${method} ${path} answered ${response.status}`);
    return { status: response.status, data: schema.parse(await response.json()) };
  }

  const account = (id: string) => `/accounts/${encodeURIComponent(id)}`;

  return {
    async getAccount(accountId) {
      return (await call('GET', account(accountId), AccountSchema)).data;
    },
    async setClickTracking({ accountId, actor, evidence, enabled }) {
      const { data } = await call('PUT', `${account(accountId)}/click-tracking`, ChangedSchema, {
        enabled,
        actor,
        evidence,
      });
      if (!data) throw new Error(`Account ${accountId} not found`);
      return data.changed;
    },
    async setHttps({ accountId, actor, evidence, domain, enabled }) {
      const { data } = await call(
        'PUT',
        `${account(accountId)}/domains/${encodeURIComponent(domain)}/https`,
        ChangedSchema,
        {
          enabled,
          actor,
          evidence,
        },
      );
      if (!data) throw new DomainNotInAccountError(domain);
      return data.changed;
    },
    async retryCertificate({ accountId, actor, evidence, domain }) {
      const { data } = await call(
        'POST',
        `${account(accountId)}/domains/${encodeURIComponent(domain)}/certificate/retry`,
        ChangedSchema,
        { actor, evidence },
      );
      if (!data) throw new DomainNotInAccountError(domain);
      return data.changed;
    },
    async auditLog(accountId, limit = 50) {
      return (await call('GET', `${account(accountId)}/audit?limit=${limit}`, AuditSchema)).data?.entries ?? [];
    },
  };
}
