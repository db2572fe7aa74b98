import { expect, test, type Page } from '@playwright/test';

import { TROUBLESHOOTING_CODES, troubleshootingAnchor } from '../../src/checks/findings.ts';
import { STEP_IDS, stepAnchor } from '../../src/checks/steps.ts';
import { GUIDE_PATH, RETIRED_PATHS, locales, localePrefix, platform, type LocaleKey } from '../../src/site/site.ts';
import { loadPages } from '../helpers/content.ts';
import { seriousViolations } from './page-checks.ts';

const LOCALES = Object.keys(locales) as LocaleKey[];
const pages = loadPages();
const titleOf = (locale: LocaleKey, version: 'current' | 'legacy') =>
  String(
    pages.find((p) => p.locale === locale && p.version === version && p.localPath === 'guides/https-link-tracking.mdx')
      ?.frontmatter.title,
  );
const guideUrl = (locale: LocaleKey) => `${localePrefix(locale)}${GUIDE_PATH}`;
const legacyUrl = (locale: LocaleKey) => `${localePrefix(locale)}/legacy${GUIDE_PATH}`;

async function expectNoSeriousA11yViolations(page: Page) {
  expect(await seriousViolations(page)).toEqual([]);
}

for (const locale of LOCALES) {
  const { lang } = locales[locale];

  test.describe(`the guide in ${lang}`, () => {
    test('reads in its language, with every step and troubleshooting anchor', async ({ page }) => {
      const response = await page.goto(guideUrl(locale));
      expect(response?.status()).toBe(200);
      await expect(page.locator('html')).toHaveAttribute('lang', lang);
      await expect(page.getByRole('heading', { level: 1 })).toHaveText(titleOf(locale, 'current'));

      for (const step of STEP_IDS) await expect(page.locator(`h2#${stepAnchor(step)}`)).toHaveCount(1);
      for (const code of TROUBLESHOOTING_CODES) {
        await expect(page.locator(`h4#${troubleshootingAnchor(code)}`), code).toHaveCount(1);
      }

      const text = await page.locator('main').innerText();
      expect(text).toContain(platform.trackingHost);
      expect(text, 'no unrendered MDX expressions').not.toMatch(/\{(?:platform|commands)\./);
    });

    test('a troubleshooting link lands on its entry', async ({ page }) => {
      await page.goto(`${guideUrl(locale)}#${troubleshootingAnchor('cname_missing')}`);
      await expect(page.locator('h4#cname-missing')).toBeInViewport();
    });

    test('has no serious accessibility violations', async ({ page }) => {
      await page.goto(guideUrl(locale));
      await expectNoSeriousA11yViolations(page);
    });

    test('the legacy page is marked outdated and points at the current guide', async ({ page }) => {
      await page.goto(legacyUrl(locale));
      await expect(page.getByRole('heading', { level: 1 })).toHaveText(titleOf(locale, 'legacy'));
      await expect(page.locator('link[rel="canonical"]')).toHaveAttribute('href', new RegExp(`${guideUrl(locale)}$`));

      const notice = page
        .locator('main p')
        .filter({ has: page.locator(`a[href="${guideUrl(locale)}"]`) })
        .first();
      await expect(notice).toBeVisible();
      await notice.locator('a').click();
      await expect(page).toHaveURL(new RegExp(`${guideUrl(locale)}$`));
    });

    test('the legacy page has no serious accessibility violations', async ({ page }) => {
      await page.goto(legacyUrl(locale));
      await expectNoSeriousA11yViolations(page);
    });

    for (const retired of RETIRED_PATHS) {
      test(`${localePrefix(locale)}${retired} redirects permanently to the guide`, async ({ page, request }) => {
        const from = `${localePrefix(locale)}${retired}`;
        const response = await request.get(from, { maxRedirects: 0 });
        expect(response.status()).toBe(301);
        expect(response.headers()['location']).toBe(guideUrl(locale));

        await page.goto(from.replace(/\/$/, ''));
        await expect(page).toHaveURL(new RegExp(`${guideUrl(locale)}$`));
        await expect(page.getByRole('heading', { level: 1 })).toHaveText(titleOf(locale, 'current'));
      });
    }
  });
}

test('the current guide has a canonical link to itself', async ({ page }) => {
  await page.goto(GUIDE_PATH);
  await expect(page.locator('link[rel="canonical"]')).toHaveAttribute('href', new RegExp(`${GUIDE_PATH}$`));
});

test('search finds the guide for "HTTPS"', async ({ page }) => {
  await page.goto('/');
  await page
    .getByRole('button', { name: /search/i })
    .first()
    .click();
  const dialog = page.getByRole('dialog');
  await dialog.getByRole('textbox').fill('HTTPS');
  const result = dialog.locator(`a[href^="${GUIDE_PATH}"]`).first();
  await expect(result).toBeVisible();
  await result.click();
  await expect(page).toHaveURL(new RegExp(GUIDE_PATH));
});

test('the language picker switches to the same guide in Spanish', async ({ page }) => {
  await page.goto(GUIDE_PATH);
  await page
    .getByRole('combobox', { name: /language|idioma|lingua|sprache/i })
    .first()
    .selectOption({ label: 'Español' });
  await expect(page).toHaveURL(new RegExp(`/es${GUIDE_PATH}$`));
  await expect(page.locator('html')).toHaveAttribute('lang', 'es');
});

test('the home page leads to the guide', async ({ page }) => {
  await page.goto('/');
  await page.locator(`main a[href="${GUIDE_PATH}"]`).first().click();
  await expect(page).toHaveURL(new RegExp(`${GUIDE_PATH}$`));
});

test('llms.txt is generated from the same content', async ({ request }) => {
  const response = await request.get('/llms.txt');
  expect(response.status()).toBe(200);
  const body = await response.text();
  expect(body).toContain(platform.name);
  const full = await (await request.get('/llms-full.txt')).text();
  expect(full).toContain(platform.trackingHost);
  expect(full).toContain(titleOf('root', 'current'));
});

test('the checks API is served and refuses an IP address with a clear error', async ({ request }) => {
  const response = await request.get('/api/checks?domain=0x7f.1');
  expect(response.status()).toBe(400);
  expect(await response.json()).toEqual({
    error: { code: 'invalid_domain', reason: 'ip_address', message: expect.stringMatching(/IP address/) },
  });
  const stream = await request.get('/api/checks/stream?domain=127.1');
  expect(stream.status()).toBe(400);
});
