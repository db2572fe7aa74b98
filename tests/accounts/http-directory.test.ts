import { once } from 'node:events';
import { createServer, type Server } from 'node:http';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DomainNotInAccountError, type Account, type AuditEntry } from '../../src/accounts/directory.ts';
import { createHttpDirectory } from '../../src/accounts/http-directory.ts';

const TOKEN = 'platform-token';
const accounts = new Map<string, Account>([
  [
    'acct_a',
    {
      id: 'acct_a',
      name: 'A',
      clickTracking: false,
      domains: [
        { domain: 'links.a.com', https: false },
        {
          domain: 'go.a.com',
          https: true,
          certificate: { state: 'expired', notAfter: '2026-11-19T00:00:00.000Z', failure: 'issuer_error', detail: 'x' },
        },
      ],
    },
  ],
]);
const audit: AuditEntry[] = [];
let server: Server;
let baseUrl = '';
const seen: string[] = [];

/** A platform account API implementing the documented contract, on loopback. */
beforeAll(async () => {
  server = createServer(async (request, response) => {
    seen.push(`${request.method} ${request.url} ${request.headers.authorization}`);
    const send = (status: number, body?: unknown) =>
      response.writeHead(status, { 'content-type': 'application/json' }).end(body ? JSON.stringify(body) : '');
    if (request.headers.authorization !== `Bearer ${TOKEN}`) return send(401);
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = chunks.length
      ? (JSON.parse(Buffer.concat(chunks).toString()) as { enabled: boolean; actor: string; evidence: unknown })
      : undefined;
    const url = new URL(request.url!, 'http://x');
    const [, , , id, what, domain, setting, action] = url.pathname.split('/').map(decodeURIComponent);
    const account = accounts.get(id!);
    if (!account) return send(404);
    if (request.method === 'GET' && !what) return send(200, account);
    if (request.method === 'GET' && what === 'audit')
      return send(200, { entries: audit.slice(0, Number(url.searchParams.get('limit'))) });
    if (request.method === 'PUT' && what === 'click-tracking') {
      const changed = account.clickTracking !== body!.enabled;
      account.clickTracking = body!.enabled;
      if (changed)
        audit.unshift({
          at: new Date().toISOString(),
          accountId: id!,
          actor: body!.actor,
          action: body!.enabled ? 'click_tracking_on' : 'click_tracking_off',
          target: null,
          evidence: body!.evidence,
        });
      return send(200, { changed });
    }
    if (request.method === 'PUT' && what === 'domains' && setting === 'https') {
      const entry = account.domains.find((candidate) => candidate.domain === domain);
      if (!entry) return send(404);
      const changed = entry.https !== body!.enabled;
      entry.https = body!.enabled;
      return send(200, { changed });
    }
    if (request.method === 'POST' && what === 'domains' && setting === 'certificate' && action === 'retry') {
      const entry = account.domains.find((candidate) => candidate.domain === domain);
      if (!entry) return send(404);
      const changed = entry.certificate?.state === 'expired';
      if (changed) entry.certificate = { state: 'issuing' };
      return send(200, { changed, actor: (body as { actor?: string }).actor });
    }
    if (what === 'broken') return send(200, { nonsense: true });
    return send(400);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  baseUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/v1`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('the account directory on the platform’s API', () => {
  it('reads each domain’s managed certificate and forwards Retry issuance', async () => {
    const directory = createHttpDirectory({ baseUrl, token: TOKEN });
    const account = await directory.getAccount('acct_a');
    expect(account!.domains.find((entry) => entry.domain === 'go.a.com')!.certificate).toEqual({
      state: 'expired',
      notAfter: '2026-11-19T00:00:00.000Z',
      failure: 'issuer_error',
      detail: 'x',
    });
    const change = { accountId: 'acct_a', actor: 'reader:acct_a', evidence: {} };
    expect(await directory.retryCertificate({ ...change, domain: 'go.a.com' })).toBe(true);
    expect(seen.at(-1)).toBe(`POST /v1/accounts/acct_a/domains/go.a.com/certificate/retry Bearer ${TOKEN}`);
    expect(await directory.retryCertificate({ ...change, domain: 'go.a.com' })).toBe(false);
    await expect(directory.retryCertificate({ ...change, domain: 'other.a.com' })).rejects.toBeInstanceOf(
      DomainNotInAccountError,
    );
  });

  it('reads an account, with the bearer token', async () => {
    const directory = createHttpDirectory({ baseUrl, token: TOKEN });
    expect(await directory.getAccount('acct_a')).toMatchObject({ id: 'acct_a', clickTracking: false });
    expect(seen.at(-1)).toBe(`GET /v1/accounts/acct_a Bearer ${TOKEN}`);
    expect(await directory.getAccount('acct_missing')).toBeUndefined();
  });

  it('changes settings and reads the audit log back', async () => {
    const directory = createHttpDirectory({ baseUrl, token: TOKEN });
    expect(
      await directory.setClickTracking({
        accountId: 'acct_a',
        actor: 'reader:acct_a',
        evidence: { ok: 1 },
        enabled: true,
      }),
    ).toBe(true);
    expect(
      await directory.setClickTracking({
        accountId: 'acct_a',
        actor: 'reader:acct_a',
        evidence: { ok: 1 },
        enabled: true,
      }),
    ).toBe(false);
    expect(
      await directory.setHttps({
        accountId: 'acct_a',
        actor: 'reader:acct_a',
        evidence: {},
        domain: 'links.a.com',
        enabled: true,
      }),
    ).toBe(true);
    expect((await directory.auditLog('acct_a'))[0]).toMatchObject({
      action: 'click_tracking_on',
      actor: 'reader:acct_a',
    });
  });

  it('reports a domain the platform does not know for the account', async () => {
    const directory = createHttpDirectory({ baseUrl, token: TOKEN });
    await expect(
      directory.setHttps({ accountId: 'acct_a', actor: 'x', evidence: {}, domain: 'links.b.com', enabled: true }),
    ).rejects.toBeInstanceOf(DomainNotInAccountError);
  });

  it('refuses answers that break the contract, and a wrong token', async () => {
    await expect(createHttpDirectory({ baseUrl, token: 'wrong' }).getAccount('acct_a')).rejects.toThrow(/401/);
  });

  it('gives up at its deadline', async () => {
    const silent = createServer(() => {});
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    const address = silent.address();
    const directory = createHttpDirectory({
      baseUrl: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`,
      token: TOKEN,
      timeoutMs: 200,
    });
    await expect(directory.getAccount('acct_a')).rejects.toThrow();
    silent.closeAllConnections();
    silent.close();
  });
});
