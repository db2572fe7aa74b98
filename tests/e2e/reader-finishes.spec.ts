import { DatabaseSync } from 'node:sqlite';

import { expect, test, type Page, type TestInfo } from '@playwright/test';

import { mintSignInLink } from '../../src/server/sign-in-link.ts';
import { GUIDE_PATH, localePrefix, locales, type LocaleKey } from '../../src/site/site.ts';
import { horizontalOverflow, seriousViolations } from './page-checks.ts';
import { E2E_ORIGIN } from './origin.ts';

/**
 * A reader on a phone or a desktop, in each language, with each lab setup,
 * either finishes or knows who acts next: each step's result and fix sit under
 * its own heading, no serious or critical accessibility problem in any state,
 * and pictures of each state are kept under `test-results/`.
 */
const LAB = 'lab.example.com';
const WIDTHS = [1280, 390] as const;
const LOCALES = Object.keys(locales) as LocaleKey[];

type StepState = 'pass' | 'fail' | 'warn' | 'pending' | 'skipped' | 'ready';

/** The setups a reader meets, and what each step must show. */
const STATES: { scenario: string; signedIn: boolean; expect: Partial<Record<string, StepState>>; fixCode?: string }[] =
  [
    { scenario: 'healthy-direct', signedIn: false, expect: { 'branded-link': 'pass', tls: 'pass', https: 'pending' } },
    { scenario: 'cname-missing', signedIn: false, expect: { 'branded-link': 'fail' }, fixCode: 'cname_missing' },
    { scenario: 'cert-expiring-soon', signedIn: false, expect: { tls: 'warn' }, fixCode: 'cert_expiring_soon' },
    { scenario: 'healthy-proxied', signedIn: false, expect: { 'branded-link': 'pass', tls: 'pass' } },
    { scenario: 'managed-blocked', signedIn: true, expect: { tls: 'fail' }, fixCode: 'managed_cert_blocked' },
    { scenario: 'managed-pending', signedIn: true, expect: { tls: 'warn' }, fixCode: 'managed_cert_issuing' },
  ];

const signInLink = (accountId: string, locale: LocaleKey) =>
  `${mintSignInLink({ origin: E2E_ORIGIN, accountId, secret: process.env.LOGIN_LINK_SECRET! })}${
    locale === 'root' ? '' : `&lang=${locale}`
  }`;
const guide = (locale: LocaleKey, domain: string) => `${localePrefix(locale)}${GUIDE_PATH}?domain=${domain}`;

async function keep(page: Page, testInfo: TestInfo, name: string, selector: string) {
  const path = testInfo.outputPath(`${name}.png`);
  await page.locator(selector).first().scrollIntoViewIfNeeded();
  await page.locator(selector).first().screenshot({ path });
  await testInfo.attach(name, { path, contentType: 'image/png' });
}

for (const width of WIDTHS) {
  test.describe(`at ${width} px`, () => {
    test.use({ viewport: { width, height: 900 } });

    for (const locale of LOCALES) {
      for (const state of STATES) {
        test(`${locales[locale].label}, ${state.scenario}${state.signedIn ? ' (signed in)' : ''}`, async ({
          page,
        }, testInfo) => {
          test.setTimeout(60_000);
          if (state.signedIn) await page.goto(signInLink('acct_demo', locale));
          await page.goto(guide(locale, `${state.scenario}.${LAB}`));
          const panel = page.locator('tl-setup-panel');
          await expect(panel.locator('[data-meta]')).not.toBeEmpty({ timeout: 20_000 });
          for (const [step, expected] of Object.entries(state.expect)) {
            await expect(panel.locator(`li[data-step="${step}"]`)).toHaveAttribute('data-state', expected!);
          }
          if (state.fixCode) {
            // The fix is under the step's own heading, and the panel's entry links down to that step.
            const step = Object.keys(state.expect)[0]!;
            const underHeading = page.locator(
              `tl-step-status[data-step="${step}"] .tl-fix[data-code="${state.fixCode}"]`,
            );
            await expect(underHeading).toBeVisible();
            await expect(underHeading.locator('.tl-fix-title')).not.toBeEmpty();
            await expect(panel.locator(`li[data-step="${step}"] .tl-step-link`)).toHaveAttribute(
              'href',
              `#step-${step}`,
            );
            await keep(
              page,
              testInfo,
              `${locale}-${width}-${state.scenario}-step`,
              `tl-step-status[data-step="${step}"]`,
            );
          }
          if (state.scenario === 'healthy-direct') await expect(panel.locator('[data-finish]')).toBeVisible();
          if (state.scenario === 'managed-blocked') {
            // The CAA fix gives the reader's own reason, not the guide's whole list of them.
            const reasons = page.locator('tl-step-status[data-step="tls"] .tl-fix[data-code="caa_blocks_issuer"] li');
            await expect(reasons).toHaveCount(1);
            await expect(reasons).toContainText('not_listed');
          }
          // Nothing is cut or pushed sideways on a phone.
          expect(await horizontalOverflow(page), 'horizontal overflow').toBeLessThanOrEqual(0);
          expect(await seriousViolations(page)).toEqual([]);
          await keep(page, testInfo, `${locale}-${width}-${state.scenario}-panel`, 'tl-setup-panel section');
        });
      }
    }
  });
}

test.describe('an expired managed certificate', () => {
  for (const locale of LOCALES) {
    test(`${locales[locale].label}: shows its state under step 3, and Retry issuance works`, async ({
      page,
    }, testInfo) => {
      test.setTimeout(60_000);
      // An account of this test's own, so no other test sees its certificate change.
      const accountId = `acct_retry_${locale}`;
      const db = new DatabaseSync(process.env.DATABASE_PATH!);
      db.exec('PRAGMA busy_timeout = 5000');
      db.prepare("INSERT OR REPLACE INTO accounts (id, name, click_tracking) VALUES (?, 'Retry Co.', 1)").run(
        accountId,
      );
      db.prepare(
        `INSERT OR REPLACE INTO branded_domains
           (account_id, domain, https, certificate_state, certificate_not_after, certificate_failure, certificate_detail)
         VALUES (?, 'managed-expired.lab.example.com', 0, 'expired', ?, 'issuer_error', 'urn:ietf:params:acme:error:serverInternal')`,
      ).run(accountId, new Date(Date.now() - 3 * 86_400_000).toISOString());
      db.close();

      await page.goto(signInLink(accountId, locale));
      const tls = page.locator('tl-step-status[data-step="tls"]');
      const fix = tls.locator('.tl-fix[data-code="managed_cert_expired"]');
      await expect(fix).toBeVisible({ timeout: 20_000 });
      await expect(fix.locator('.tl-move')).not.toBeEmpty();
      await keep(page, testInfo, `${locale}-expired-managed`, 'tl-step-status[data-step="tls"]');

      // Retry issuance sits under step 3's heading, beside the state it answers, and in the panel.
      const retry = tls.locator('.tl-actions .tl-action');
      await expect(retry).toBeVisible();
      await expect(page.locator('tl-setup-panel li[data-step="tls"] .tl-action')).toHaveText(
        (await retry.textContent())!,
      );
      await retry.click();
      await expect(tls.locator('.tl-actions p').first()).not.toHaveText(/…$/, { timeout: 20_000 });
      await expect(tls.locator('.tl-fix[data-code="managed_cert_issuing"]')).toBeVisible({ timeout: 20_000 });
      const audit = new DatabaseSync(process.env.DATABASE_PATH!, { readOnly: true });
      const entries = audit.prepare('SELECT action, target FROM audit_log WHERE account_id = ?').all(accountId) as {
        action: string;
        target: string;
      }[];
      audit.close();
      expect(entries).toEqual([{ action: 'certificate_retry', target: 'managed-expired.lab.example.com' }]);
    });
  }
});

test.describe('an internationalised name reads in Unicode, with its ASCII form in the evidence', () => {
  const ascii = `xn--bcher-kva.idn-missing.${LAB}`;
  const unicode = `bücher.idn-missing.${LAB}`;

  for (const [arrival, open] of [
    ['linked in its ASCII form', (page: Page) => page.goto(guide('root', ascii))],
    [
      'typed in Unicode',
      async (page: Page) => {
        await page.goto(GUIDE_PATH);
        await page.getByLabel('Branded link domain').fill(unicode);
        await page.getByRole('button', { name: 'Check', exact: true }).click();
      },
    ],
  ] as const) {
    test(arrival, async ({ page }) => {
      await open(page);
      const panel = page.locator('tl-setup-panel');
      const fix = page.locator('tl-step-status[data-step="branded-link"] .tl-fix[data-code="nxdomain"]');
      await expect(fix).toBeVisible({ timeout: 20_000 });
      // Read at once, as the first run left them: a later automatic re-check must not be what gets them right.
      expect(await fix.textContent()).toContain(`${unicode} (${ascii})`);
      expect(await panel.getByLabel('Branded link domain').inputValue()).toBe(unicode);
      // What a screen reader says names the domain as its owner writes it.
      const said = await panel.locator('[data-live]').textContent();
      expect(said).toContain(unicode);
      expect(said).not.toContain('xn--');
      // The record to add is what DNS needs: the ASCII form.
      await expect(fix.locator('.tl-record dd code').first()).toHaveText(`xn--bcher-kva.idn-missing.lab`);
    });
  }
});

test.describe('the CDN tabs are chosen by the key the guide declares', () => {
  for (const [scenario, key, label] of [
    ['healthy-proxied', 'cloudflare', 'Cloudflare'],
    ['healthy-proxied-fastly', 'fastly', 'Fastly'],
    ['healthy-proxied-cloudfront', 'cloudfront', 'Amazon CloudFront'],
  ] as const) {
    for (const locale of LOCALES) {
      test(`${label}, ${locales[locale].label}`, async ({ page }) => {
        await page.goto(guide(locale, `${scenario}.${LAB}`));
        await expect(page.locator('[data-route-note]')).toBeVisible({ timeout: 20_000 });
        const selected = (syncKey: string) =>
          page
            .locator(`starlight-tabs[data-sync-key="${syncKey}"] > .tablist-wrapper [role="tab"][aria-selected="true"]`)
            .evaluate((tab) =>
              document
                .getElementById((tab.getAttribute('href') ?? '#').slice(1))
                ?.querySelector('[data-tab-key]')
                ?.getAttribute('data-tab-key'),
            );
        expect(await selected('tls-route')).toBe('cdn');
        expect(await selected('cdn')).toBe(key);
        await expect(page.locator('starlight-tabs[data-sync-key="cdn"] [role="tab"][aria-selected="true"]')).toHaveText(
          label,
        );

        // A domain whose route is unknown puts the tabs back where they start.
        await page.getByRole('textbox').first().fill(`nxdomain.${LAB}`);
        await page.locator('tl-setup-panel form button[type="submit"]').click();
        await expect(page.locator('[data-route-note]')).toBeHidden({ timeout: 20_000 });
        expect(await selected('tls-route')).toBe('managed');
      });
    }
  }
});

test('the panel appears without moving the page', async ({ page }) => {
  // Tall enough that the panel and the guide below it are on screen, where a shift counts.
  await page.setViewportSize({ width: 1280, height: 2400 });
  await page.addInitScript(() => {
    const shifts: { value: number; sources: string[] }[] = [];
    (window as unknown as { shifts: typeof shifts }).shifts = shifts;
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries() as (PerformanceEntry & {
        value: number;
        hadRecentInput: boolean;
        sources: { node?: Node }[];
      })[])
        if (!entry.hadRecentInput)
          shifts.push({
            value: entry.value,
            // The guide's own column only: Starlight's table of contents beside it is not this page's doing.
            sources: entry.sources
              .filter((source) => source.node instanceof Element && source.node.closest('main') !== null)
              .map(
                (source) => `${(source.node as Element).tagName.toLowerCase()}.${(source.node as Element).className}`,
              ),
          });
    }).observe({ type: 'layout-shift', buffered: true });
  });
  // Scripts arrive after the first paint, as on a slow phone network: whatever they show must not move the page.
  await page.route('**/_astro/*.js', async (route) => {
    await new Promise((resolve) => setTimeout(resolve, 400));
    await route.continue();
  });
  await page.route('**/api/account', async (route) => {
    await new Promise((resolve) => setTimeout(resolve, 400));
    await route.continue();
  });
  await page.goto(GUIDE_PATH);
  await expect(page.locator('[data-account-hint]')).toBeVisible();
  await page.waitForTimeout(500);
  const shifts = await page.evaluate(
    () => (window as unknown as { shifts: { value: number; sources: string[] }[] }).shifts,
  );
  const total = shifts.filter((shift) => shift.sources.length > 0).reduce((sum, shift) => sum + shift.value, 0);
  expect(total, JSON.stringify(shifts)).toBeLessThan(0.01);
});

test('a 404 in each language is in that language, and links to its guide', async ({ page }) => {
  for (const locale of LOCALES) {
    const response = await page.goto(`${localePrefix(locale)}/no-such-page/`);
    expect(response?.status()).toBe(404);
    expect(await page.locator('html').getAttribute('lang')).toBe(locales[locale].lang);
    await expect(page.locator(`a[href="${localePrefix(locale)}${GUIDE_PATH}"]`).first()).toBeVisible();
  }
});

test('the legacy home page’s “current guide” link goes to the guide', async ({ page }) => {
  for (const locale of LOCALES) {
    await page.goto(`${localePrefix(locale)}/legacy/`);
    await expect(page.locator('.tl-version-banner a')).toHaveAttribute('href', `${localePrefix(locale)}${GUIDE_PATH}`);
  }
});

test('checking too often keeps the last results, says when checking is possible again, and announces it', async ({
  page,
}) => {
  test.setTimeout(60_000);
  const { spawn } = await import('node:child_process');
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { SPARE_PORT_BASE } = await import('./origin.ts');
  const dir = mkdtempSync(join(tmpdir(), 'tracklight-limited-'));
  // Past the ports server.spec.ts takes for its own servers.
  const port = SPARE_PORT_BASE + 40;
  const server = spawn(process.execPath, ['src/server/serve.ts'], {
    env: {
      ...process.env,
      ...JSON.parse(process.env.LAB_ENV ?? '{}'),
      HOST: '127.0.0.1',
      PORT: String(port),
      DATABASE_PATH: join(dir, 'db.sqlite'),
      CHECKS_RATE_LIMIT_PER_CLIENT: '2',
      LOG_LEVEL: 'error',
    },
    stdio: 'ignore',
  });
  try {
    const origin = `http://127.0.0.1:${port}`;
    await expect
      .poll(
        () =>
          fetch(`${origin}/api/health`).then(
            (r) => r.status,
            () => 0,
          ),
        { timeout: 20_000 },
      )
      .toBe(200);
    await page.goto(`${origin}${GUIDE_PATH}?domain=healthy-direct.${LAB}`);
    const panel = page.locator('tl-setup-panel');
    const tls = panel.locator('li[data-step="tls"]');
    await expect(tls).toHaveAttribute('data-state', 'pass', { timeout: 20_000 });
    await panel.getByRole('button', { name: 'Check', exact: true }).click();
    await expect(tls).toHaveAttribute('data-state', 'pass', { timeout: 20_000 });
    await panel.getByRole('button', { name: 'Check', exact: true }).click();
    await expect(panel.locator('[data-meta]')).toContainText('you can check again in', { timeout: 20_000 });
    await expect(panel.locator('[data-live]')).toContainText('The results below are from the last check');
    await expect(tls).toHaveAttribute('data-state', 'pass');
    await expect(page.locator('tl-step-status[data-step="tls"]')).toContainText('Passed');
  } finally {
    server.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
});
