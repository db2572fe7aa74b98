import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

import { expect, test, type Page, type TestInfo } from '@playwright/test';

import { GUIDE_PATH } from '../../src/site/site.ts';
import { seriousViolations } from './page-checks.ts';
import { labControl } from './lab-control.ts';

const LAB = 'lab.example.com';
const domainOf = (scenario: string) => `${scenario}.${LAB}`;

const panel = (page: Page) => page.locator('tl-setup-panel');
const step = (page: Page, id: string) => panel(page).locator(`li[data-step="${id}"]`);

async function check(page: Page, scenario: string) {
  await page.goto(GUIDE_PATH);
  await page.getByLabel('Branded link domain').fill(domainOf(scenario));
  await page.getByRole('button', { name: 'Check', exact: true }).click();
  await expect(panel(page).locator('[data-meta]')).toContainText('Last checked', { timeout: 20_000 });
}

async function expectStates(page: Page, states: Record<string, string>) {
  for (const [id, state] of Object.entries(states))
    await expect(step(page, id), id).toHaveAttribute('data-state', state);
}

async function expectAccessible(page: Page) {
  expect(await seriousViolations(page, ['tl-setup-panel', 'tl-step-status'])).toEqual([]);
}

/** Keeps a picture of the panel in a state as a test artifact, under `test-results/`. */
async function keepScreenshot(page: Page, testInfo: TestInfo, name: string) {
  const path = testInfo.outputPath(`panel-${name}.png`);
  await page.locator('tl-setup-panel section').screenshot({ path });
  await testInfo.attach(`panel-${name}`, { path, contentType: 'image/png' });
}

test.describe('the live checks in the guide', () => {
  test('a healthy direct setup: every checkable step passes, the managed route is shown', async ({
    page,
  }, testInfo) => {
    await check(page, 'healthy-direct');
    await expectStates(page, { 'click-tracking': 'pending', 'branded-link': 'pass', tls: 'pass', https: 'pending' });
    // Signed out, the reader is told where the last step is and how to get the signed link.
    const finish = panel(page).locator('[data-finish]');
    await expect(finish).toContainText('The last step, Step 4: HTTPS for tracked links, is done from your account');
    await expect(finish.getByRole('link', { name: 'Step 4: HTTPS for tracked links' })).toHaveAttribute(
      'href',
      '#step-https',
    );
    await expect(panel(page).locator('[data-live]')).toContainText('open this guide from your dashboard');
    await expect(page.locator('[data-route-note]')).toContainText('“Managed certificate”');
    await expect(page.getByRole('tab', { name: 'Managed certificate' })).toHaveAttribute('aria-selected', 'true');
    await expect(page.locator('tl-step-status[data-step="branded-link"]')).toContainText('Passed');
    await expectAccessible(page);
    await keepScreenshot(page, testInfo, 'passed');
  });

  test('a healthy proxied setup: the CDN route and its Cloudflare tab are shown', async ({ page }) => {
    await check(page, 'healthy-proxied');
    await expectStates(page, { 'branded-link': 'pass', tls: 'pass' });
    await expect(page.locator('[data-route-note]')).toContainText('Cloudflare');
    await expect(page.getByRole('tab', { name: 'CDN or proxy' })).toHaveAttribute('aria-selected', 'true');
    await expect(page.getByRole('tab', { name: 'Cloudflare', exact: true }).first()).toHaveAttribute(
      'aria-selected',
      'true',
    );
  });

  test('a missing CNAME: the record to add, ready to copy, and the fix from the guide', async ({ page }, testInfo) => {
    await check(page, 'cname-missing');
    await expectStates(page, { 'branded-link': 'fail', tls: 'skipped' });
    const fix = step(page, 'branded-link').locator('.tl-fix');
    await expect(fix).toContainText('The CNAME record is missing');
    await expect(fix).toContainText(
      `${domainOf('cname-missing')} has no CNAME record. It answers with the address 127.0.0.13.`,
    );
    // People fill web forms: the name and the target each have their own copy button.
    await expect(fix).toContainText('Add this record at your DNS provider:');
    await expect(fix.locator('.tl-record dd code').first()).toHaveText('cname-missing.lab');
    await expect(fix.getByRole('button', { name: 'Copy name' })).toBeVisible();
    await expect(fix.getByRole('button', { name: 'Copy target' })).toBeVisible();
    // The same fix is under the step's own heading, where the reader reads.
    const underHeading = page.locator('tl-step-status[data-step="branded-link"] .tl-fix');
    await expect(underHeading).toContainText('The CNAME record is missing');
    await expect(underHeading).toContainText('delete any other record with the same name');
    await expect(fix.locator('.tl-zone-line')).toHaveText(
      `${domainOf('cname-missing')}.  3600  IN  CNAME  track.mail.example.`,
    );
    await expect(fix.getByRole('link', { name: 'Open this fix in the guide' })).toHaveAttribute(
      'href',
      '#cname-missing',
    );
    await expect(fix).toContainText('delete any other record with the same name');
    await expect(page.locator('tl-step-status[data-step="branded-link"]')).toContainText('Failed');
    await expectAccessible(page);
    await keepScreenshot(page, testInfo, 'failed');
  });

  test('a CNAME to the wrong place: says where it points, and to edit the record', async ({ page }) => {
    await check(page, 'cname-wrong-target');
    await expectStates(page, { 'branded-link': 'fail' });
    await expect(step(page, 'branded-link')).toContainText(
      'Edit the existing record at your DNS provider so it reads:',
    );
    await expect(step(page, 'branded-link')).toContainText(
      `${domainOf('cname-wrong-target')} points at old.provider.example.net, not at track.mail.example.`,
    );
  });

  test('an expired certificate: when it expired and who issued it', async ({ page }) => {
    await check(page, 'cert-expired');
    await expectStates(page, { 'branded-link': 'pass', tls: 'fail' });
    await expect(step(page, 'tls')).toContainText('The certificate has expired');
    await expect(step(page, 'tls')).toContainText(/Expired 3\u00a0days ago, on .+\. Issued by .+\./);
  });

  test('a certificate for another name: which names it covers', async ({ page }) => {
    await check(page, 'cert-hostname-mismatch');
    await expect(step(page, 'tls')).toContainText(
      `The certificate covers other.example.org, not ${domainOf('cert-hostname-mismatch')}.`,
    );
  });

  test('CAA records that forbid every authority: which name, why, and the entry with the record to add', async ({
    page,
  }) => {
    await check(page, 'caa-critical-unknown');
    await expectStates(page, { 'branded-link': 'pass', tls: 'fail' });
    await expect(step(page, 'tls')).toContainText(
      `The CAA records of ${domainOf('caa-critical-unknown')} hold a critical record no certificate authority knows: 128 tbs "Unknown".`,
    );
    await expect(step(page, 'tls')).toContainText('critical_unknown');
  });

  test('a weak certificate key: names the key and the fix', async ({ page }) => {
    await check(page, 'cert-weak-key');
    await expect(step(page, 'tls')).toContainText("The certificate's key is too weak");
    await expect(step(page, 'tls')).toContainText(
      "certificate's RSA key has 1024 bits; browsers require at least 2048.",
    );
  });

  test('a CDN that cannot reach the origin securely: the 525 and the Cloudflare fix', async ({ page }) => {
    await check(page, 'cdn-origin-ssl-error');
    await expectStates(page, { 'branded-link': 'pass', tls: 'fail' });
    await expect(step(page, 'tls')).toContainText('answered with status 525');
    await expect(step(page, 'tls')).toContainText('SNI override');
  });

  test('DNS that does not answer: the checking state, then the timeout', async ({ page }, testInfo) => {
    await page.goto(GUIDE_PATH);
    await page.getByLabel('Branded link domain').fill(domainOf('dns-timeout'));
    await page.getByRole('button', { name: 'Check', exact: true }).click();
    await expect(step(page, 'branded-link')).toHaveAttribute('data-state', 'checking');
    await expect(panel(page).locator('[data-live]')).toContainText(`Checking ${domainOf('dns-timeout')}`);
    await expectAccessible(page);
    await keepScreenshot(page, testInfo, 'checking');
    await expect(step(page, 'branded-link')).toHaveAttribute('data-state', 'fail', { timeout: 20_000 });
    await expect(step(page, 'branded-link')).toContainText('did not answer in time');
  });

  test('?domain= in the URL fills the field and checks at once', async ({ page }) => {
    await page.goto(`${GUIDE_PATH}?domain=${domainOf('healthy-direct')}`);
    await expect(page.getByLabel('Branded link domain')).toHaveValue(domainOf('healthy-direct'));
    await expect(step(page, 'branded-link')).toHaveAttribute('data-state', 'pass', { timeout: 20_000 });
  });

  test('the last domain is remembered in the browser', async ({ page }) => {
    await check(page, 'healthy-direct');
    await page.goto(GUIDE_PATH);
    await expect(page.getByLabel('Branded link domain')).toHaveValue(domainOf('healthy-direct'));
  });

  test('a bad entry is explained next to the field', async ({ page }, testInfo) => {
    await page.goto(GUIDE_PATH);
    await page.getByLabel('Branded link domain').fill('127.1');
    await page.keyboard.press('Enter');
    await expect(page.locator('#tl-domain-error')).toHaveText(/not an IP address/);
    await expect(page.getByLabel('Branded link domain')).toHaveAttribute('aria-invalid', 'true');
    await expectAccessible(page);
    await keepScreenshot(page, testInfo, 'invalid');
  });

  test('after a failure it checks again by itself and turns to passed once fixed', async ({ page }) => {
    test.setTimeout(60_000);
    await labControl('unfix', 'doubled-name');
    try {
      await check(page, 'doubled-name');
      await expectStates(page, { 'branded-link': 'fail' });
      await expect(panel(page).locator('[data-meta]')).toContainText('Checking again automatically in');
      await labControl('fix', 'doubled-name');
      await expect(step(page, 'branded-link')).toHaveAttribute('data-state', 'pass', { timeout: 30_000 });
      await expect(step(page, 'tls')).toHaveAttribute('data-state', 'pass');
      await expect(panel(page).locator('[data-meta]')).not.toContainText('Checking again');
    } finally {
      await labControl('unfix', 'doubled-name');
    }
  });

  test('pauses automatic re-checks while the tab is hidden, and resumes when it is back', async ({ page }) => {
    await check(page, 'cname-wrong-target');
    await expect(panel(page).locator('[data-meta]')).toContainText('Checking again automatically in');
    const setHidden = (hidden: boolean) =>
      page.evaluate((value) => {
        Object.defineProperty(document, 'hidden', { configurable: true, get: () => value });
        document.dispatchEvent(new Event('visibilitychange'));
      }, hidden);
    await setHidden(true);
    await expect(panel(page).locator('[data-meta]')).toHaveText(
      'Automatic checks are paused while this tab is in the background.',
    );
    await setHidden(false);
    await expect(panel(page).locator('[data-meta]')).toContainText('Checking again automatically in');
  });

  test('works with the keyboard alone, without moving the reader’s focus', async ({ page }) => {
    await page.goto(GUIDE_PATH);
    for (let i = 0; i < 80 && !(await page.evaluate(() => document.activeElement?.id === 'tl-domain')); i++) {
      await page.keyboard.press('Tab');
    }
    await expect(page.getByLabel('Branded link domain')).toBeFocused();
    await page.keyboard.type(domainOf('healthy-proxied'));
    await page.keyboard.press('Enter');
    await expect(step(page, 'tls')).toHaveAttribute('data-state', 'pass', { timeout: 20_000 });
    // Selecting the CDN tab for the reader must not take their focus away.
    await expect(page.getByLabel('Branded link domain')).toBeFocused();
    await page.keyboard.press('Tab');
    await expect(page.getByRole('button', { name: 'Check', exact: true })).toBeFocused();
    for (let i = 0; i < 20 && !(await page.evaluate(() => document.activeElement?.hasAttribute('data-recheck'))); i++) {
      await page.keyboard.press('Tab');
    }
    await expect(page.getByRole('button', { name: 'Check again' })).toBeFocused();
    await page.keyboard.press('Enter');
    await expect(panel(page).locator('[data-meta]')).toContainText('Last checked', { timeout: 20_000 });
  });

  test('the idle panel has no serious accessibility violations', async ({ page }, testInfo) => {
    await page.goto(GUIDE_PATH);
    await expect(panel(page)).toBeVisible();
    await expectAccessible(page);
    await keepScreenshot(page, testInfo, 'idle');
  });

  test('reads in the page’s language', async ({ page }) => {
    await page.goto(`/de${GUIDE_PATH}?domain=${domainOf('cert-expired')}`);
    await expect(step(page, 'tls')).toHaveAttribute('data-state', 'fail', { timeout: 20_000 });
    await expect(step(page, 'tls').locator('[data-state-text]')).not.toHaveText('Failed');
    await expect(step(page, 'tls').locator('.tl-fix-title')).toHaveText(
      (await page.locator('h4#cert-expired').textContent())!.trim(),
    );
  });

  test('remote data is shown as text, never as markup', async ({ page }) => {
    await check(page, 'probe-wrong-origin');
    await expect(step(page, 'tls').locator('.tl-fix script, .tl-fix img, .tl-fix iframe')).toHaveCount(0);
  });
});

test('without JavaScript the guide is complete and says how to run the checks from a terminal', async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(GUIDE_PATH);
  await expect(panel(page)).toBeHidden();
  await expect(page.locator('.tl-noscript')).toContainText('npx tracklight check');
  await expect(page.locator('h4#cname-missing')).toBeAttached();
  await context.close();
});

test('the guide’s interactive code stays under 15 KB gzipped', () => {
  const root = 'dist/client';
  const html = readFileSync(join(root, 'guides/https-link-tracking/index.html'), 'utf8');
  const inline = [
    ...html.matchAll(/<script(?![^>]*\bsrc=)(?![^>]*application\/(?:ld\+)?json)[^>]*>([\s\S]*?)<\/script>/g),
  ].map((m) => m[1]!);
  const external = [...html.matchAll(/<script[^>]*\bsrc="([^"]+)"/g)].map((m) =>
    readFileSync(join(root, m[1]!), 'utf8'),
  );
  // Imports of those modules load too: follow them once.
  const seen = new Set<string>();
  const queue = [...html.matchAll(/<script[^>]*\bsrc="([^"]+)"/g)].map((m) => m[1]!);
  while (queue.length > 0) {
    const file = queue.shift()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const code = readFileSync(join(root, file), 'utf8');
    for (const [, spec] of code.matchAll(/(?:import|from)\s*["']([^"']+\.js)["']/g)) {
      queue.push(new URL(spec!, `http://x${file}`).pathname);
    }
  }
  const modules = [...seen].map((file) => readFileSync(join(root, file), 'utf8'));
  const gzipped = gzipSync([...inline, ...modules].join('\n')).length;
  expect(external.length + inline.length).toBeGreaterThan(0);
  expect(readdirSync(join(root, '_astro')).length).toBeGreaterThan(0);
  expect(gzipped, `${gzipped} bytes of JavaScript, gzipped`).toBeLessThan(15 * 1024);
});

test('nothing live shows before the reader checks a domain', async ({ page }) => {
  await page.goto(GUIDE_PATH);
  await expect(panel(page)).toBeVisible();
  await expect(page.locator('tl-step-status').first()).toBeHidden();
  await expect(page.locator('[data-account]')).toBeHidden();
  await expect(page.locator('[data-route-note]')).toBeHidden();
});
