import { expect, test } from '@playwright/test';

import { GUIDE_PATH } from '../../src/site/site.ts';
import { labControl } from './lab-control.ts';

const DOMAIN = 'nxdomain.lab.example.com';

test('share from the panel, open the permalink elsewhere in another language, re-run and see what changed', async ({
  page,
  browser,
}) => {
  test.setTimeout(60_000);
  await labControl('unfix', 'nxdomain');
  try {
    await page.goto(`${GUIDE_PATH}?domain=${DOMAIN}`);
    await expect(page.locator('li[data-step="branded-link"]')).toHaveAttribute('data-state', 'fail', {
      timeout: 20_000,
    });
    await page.getByRole('button', { name: 'Share with support' }).click();
    const link = page.getByLabel('Link to this report');
    await expect(link).toHaveValue(/\/reports\/[A-Za-z0-9_-]{22}$/);
    const permalink = await link.inputValue();

    // Support's JSON view of the same report.
    const json = await page.request.get(permalink.replace('/reports/', '/api/reports/'));
    expect(json.status()).toBe(200);
    expect(await json.json()).toMatchObject({ guideVersion: 'current', locale: 'en', report: { domain: DOMAIN } });

    await labControl('fix', 'nxdomain');
    const support = await browser.newContext({
      locale: 'de-DE',
      extraHTTPHeaders: { 'accept-language': 'de-DE,de;q=0.9' },
    });
    const other = await support.newPage();
    await other.goto(permalink);
    await expect(other).toHaveURL(/\/de\/guides\/https-link-tracking\/\?report=/);
    await expect(other.locator('[data-snapshot-title]')).toHaveText(`Gespeicherter Bericht für ${DOMAIN}`);
    await expect(other.locator('[data-snapshot-meta]')).toContainText('Englisch');
    await expect(other.locator('li[data-step="branded-link"]')).toHaveAttribute('data-state', 'fail');
    // A saved report is shown as it was: no automatic re-check.
    await expect(other.locator('[data-meta]')).not.toContainText('erneut');

    // One re-run button on a shared report: the one that shows what changed.
    await expect(other.getByRole('button', { name: /erneut prüfen/i })).toHaveCount(1);
    await other.getByRole('button', { name: 'Jetzt erneut prüfen' }).click();
    await expect(other.locator('[data-snapshot-changes]')).toContainText('Geändert seit dem Bericht', {
      timeout: 20_000,
    });
    await expect(other.locator('[data-snapshot-changes] li').first()).toContainText('→');
    await expect(other.locator('li[data-step="branded-link"]')).toHaveAttribute('data-state', 'pass');
    await expect(other.getByRole('button', { name: /erneut prüfen/i })).toHaveCount(1);
    await support.close();
  } finally {
    await labControl('unfix', 'nxdomain');
  }
});

test('bad report ids get a 404 that says nothing more, and the guide says the report is gone', async ({
  page,
  request,
}) => {
  for (const id of ['nope', 'AAAAAAAAAAAAAAAAAAAAAA', '..%2F..%2Fetc']) {
    const response = await request.get(`/api/reports/${id}`);
    expect(response.status()).toBe(404);
    expect(await response.json()).toEqual({ error: { code: 'not_found', message: 'No such report.' } });
  }
  await page.goto('/reports/AAAAAAAAAAAAAAAAAAAAAA');
  await expect(page.locator('[data-snapshot-title]')).toHaveText(/does not exist or has expired/);
});

test('a deep link with a domain and a step anchor checks the domain and lands on the step', async ({ page }) => {
  await page.goto(`${GUIDE_PATH}?domain=cert-expired.lab.example.com#step-tls`);
  await expect(page.locator('h2#step-tls')).toBeInViewport();
  await expect(page.locator('tl-step-status[data-step="tls"]')).toContainText('Failed', { timeout: 20_000 });
});

test('the CLI shares a report and reads it back', async () => {
  const { execFile } = await import('node:child_process');
  const { promisify } = await import('node:util');
  const run = promisify(execFile);
  const cli = new URL('../../src/cli/tracklight.ts', import.meta.url).pathname;
  const { E2E_ORIGIN } = await import('./origin.ts');
  // The CLI's own checks need the lab's DNS; sharing asks the site, which runs its own.
  const env = { ...process.env, SITE_URL: E2E_ORIGIN, CHECKS_DNS_SERVERS: '127.0.0.1:1' };
  const shared = await run(process.execPath, [cli, 'check', 'healthy-direct.lab.example.com', '--share', '--json'], {
    env,
  }).catch((error: { stdout: string }) => error);
  const permalink = /Shared: (\S+)/.exec(shared.stdout)?.[1];
  expect(permalink).toMatch(/\/reports\/[A-Za-z0-9_-]{22}$/);
  const read = await run(process.execPath, [cli, 'report', permalink!], { env });
  expect(read.stdout).toContain('healthy-direct.lab.example.com');
  expect(read.stdout).toContain('✓ certificate');
  expect(read.stdout).toMatch(/Browser: .*tracklight-cli|Browser: unknown/);
});
