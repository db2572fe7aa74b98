import { expect, test, type Page, type TestInfo } from '@playwright/test';

import { GUIDE_PATH, localePrefix, locales, type LocaleKey } from '../../src/site/site.ts';

/**
 * Every locale at 360 px, the narrowest phone width we support: no status
 * badge wraps onto a second line, and no tab label is clipped. Screenshots of
 * each state are kept under `test-results/` for a person to look at.
 */
const LAB = 'lab.example.com';
const WIDTH = 360;
/** Setups that show every badge text: passed, failed with the steps after it skipped, needs attention, and the CDN route. */
const SCENARIOS = ['healthy-direct', 'cname-missing', 'cert-expiring-soon', 'healthy-proxied'] as const;

test.use({ viewport: { width: WIDTH, height: 800 } });

/** Texts that take more than one line box, with their text, for a readable failure. */
async function wrapped(page: Page, selector: string): Promise<string[]> {
  return page.locator(selector).evaluateAll((elements) =>
    elements
      .filter((element) => (element as HTMLElement).offsetParent !== null)
      .filter((element) => {
        const lineHeight = parseFloat(getComputedStyle(element).lineHeight) || 20;
        return element.getBoundingClientRect().height > lineHeight * 1.5;
      })
      .map((element) => element.textContent?.trim() ?? ''),
  );
}

/**
 * Tabs whose label wraps or is cut, and tabs outside a tab row that does not
 * scroll; the step 3 route pair must fit side by side without scrolling.
 */
async function clippedTabs(page: Page): Promise<string[]> {
  return page.locator('starlight-tabs [role="tab"]').evaluateAll((tabs) =>
    tabs
      .filter((tab) => (tab as HTMLElement).offsetParent !== null)
      .flatMap((tab) => {
        const label = tab.textContent?.trim() ?? '';
        const row =
          tab.closest('starlight-tabs')!.querySelector('.tablist-wrapper') ?? tab.parentElement!.parentElement!;
        const style = getComputedStyle(tab);
        const lineHeight = parseFloat(style.lineHeight) || 20;
        const padding = parseFloat(style.paddingTop) + parseFloat(style.paddingBottom);
        const problems: string[] = [];
        if (tab.scrollWidth > tab.clientWidth + 1) problems.push(`${label}: label cut`);
        if (tab.getBoundingClientRect().height - padding > lineHeight * 1.5) problems.push(`${label}: label wraps`);
        const outside = tab.getBoundingClientRect().right > row.getBoundingClientRect().right + 1;
        const scrolls = row.scrollWidth > row.clientWidth && getComputedStyle(row).overflowX === 'auto';
        if (outside && !scrolls) problems.push(`${label}: outside a row that does not scroll`);
        if (outside && tab.closest('starlight-tabs')!.getAttribute('data-sync-key') === 'tls-route')
          problems.push(`${label}: the step 3 routes do not fit side by side`);
        return problems;
      }),
  );
}

async function keep(page: Page, testInfo: TestInfo, name: string) {
  const panel = testInfo.outputPath(`${name}-panel.png`);
  await page.locator('tl-setup-panel section').screenshot({ path: panel });
  await testInfo.attach(`${name}-panel`, { path: panel, contentType: 'image/png' });
  const tls = testInfo.outputPath(`${name}-step-tls.png`);
  await page
    .locator('starlight-tabs[data-sync-key="tls-route"]')
    .evaluate((tabs) => tabs.querySelector('.tablist-wrapper')?.scrollIntoView({ block: 'center' }));
  await page.screenshot({ path: tls });
  await testInfo.attach(`${name}-step-tls`, { path: tls, contentType: 'image/png' });
}

for (const locale of Object.keys(locales) as LocaleKey[]) {
  test.describe(`${locales[locale].label} at ${WIDTH} px`, () => {
    for (const scenario of SCENARIOS) {
      test(`${scenario}: badges on one line, tabs unclipped`, async ({ page }, testInfo) => {
        await page.goto(`${localePrefix(locale)}${GUIDE_PATH}?domain=${scenario}.${LAB}`);
        const meta = page.locator('tl-setup-panel [data-meta]');
        await expect(meta).not.toBeEmpty({ timeout: 20_000 });
        await expect(page.locator('tl-step-status[data-step="tls"]')).toBeVisible();

        expect(await wrapped(page, 'tl-step-status .tl-badge'), 'badges under step headings').toEqual([]);
        expect(await wrapped(page, 'tl-setup-panel .tl-state'), 'states in the panel').toEqual([]);
        expect(await clippedTabs(page), 'tabs').toEqual([]);
        await keep(page, testInfo, `${locale}-${scenario}`);
      });
    }
  });
}
