import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

import { serve, type ServerType } from '@hono/node-server';
import { expect, test } from '@playwright/test';
import { Hono } from 'hono';

import { loadStaticSite, sendStatic } from '../../src/server/static-files.ts';
import { GUIDE_PATH, localePrefix, locales, type LocaleKey } from '../../src/site/site.ts';
import { OUTDATED_TRANSLATIONS_BUILD } from '../support/build-site.ts';
import { horizontalOverflow, seriousViolations } from './page-checks.ts';

/**
 * A translation older than its English page tells its readers so, with a link
 * to the English page: checked on the site as it is built right after the
 * English guide changed (tests/e2e/build.ts), served the way the server serves
 * every built page.
 */
const TRANSLATED = (Object.keys(locales) as LocaleKey[]).filter((locale) => locale !== 'root');

let server: ServerType;
let origin: string;

test.beforeAll(async () => {
  const site = await loadStaticSite(
    join(OUTDATED_TRANSLATIONS_BUILD, 'client'),
    join(OUTDATED_TRANSLATIONS_BUILD, '_headers.json'),
  );
  const app = new Hono().get('*', (c) => {
    const file = site.find(c.req.path);
    return file ? sendStatic(c, file) : c.text('Not found', 404);
  });
  server = await new Promise<ServerType>((resolve) => {
    const started = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(started));
  });
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

test.afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

for (const width of [1280, 390]) {
  test.describe(`at ${width} px`, () => {
    test.use({ viewport: { width, height: 900 } });

    for (const locale of TRANSLATED) {
      test(`${locales[locale].label}: the guide says it is older than the English one, and links it`, async ({
        page,
      }, testInfo) => {
        await page.goto(`${origin}${localePrefix(locale)}${GUIDE_PATH}`);
        const note = page.locator('[data-outdated-translation]');
        await expect(note).toBeVisible();
        await expect(note.getByRole('link')).toHaveAttribute('hreflang', 'en');
        expect(await horizontalOverflow(page), 'horizontal overflow').toBeLessThanOrEqual(0);
        expect(await seriousViolations(page)).toEqual([]);
        await note.screenshot({ path: testInfo.outputPath(`${locale}-${width}-outdated.png`) });

        await note.getByRole('link').click();
        await expect(page).toHaveURL(`${origin}${GUIDE_PATH}`);
        await expect(page.locator('html')).toHaveAttribute('lang', 'en');
        // The English page is the source: it is never marked.
        await expect(page.locator('[data-outdated-translation]')).toHaveCount(0);
      });
    }
  });
}

test('a page whose English original did not change carries no note', async ({ page }) => {
  await page.goto(`${origin}${localePrefix('es')}/`);
  await expect(page.locator('h1')).toBeVisible();
  await expect(page.locator('[data-outdated-translation]')).toHaveCount(0);
});
