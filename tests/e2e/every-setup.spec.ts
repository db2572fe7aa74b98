import { expect, test } from '@playwright/test';

import { GUIDE_PATH, localePrefix, locales, type LocaleKey } from '../../src/site/site.ts';
import { labScenarios } from '../lab/scenarios.ts';
import { horizontalOverflow, seriousViolations } from './page-checks.ts';

/**
 * Every setup the lab plays, as a reader on a phone meets it, in each
 * language: each step that
 * needs attention shows, under its own heading, what was found and a fix with
 * substance (the guide's entry, a record to add, or whose move it is), nothing
 * is cut off sideways, and nothing is inaccessible. A setup where every check
 * that can run signed out passes says where the last step is.
 */
// The names and verdicts do not depend on the lab's ports.
const SCENARIOS = labScenarios({ https: 443, http: 80 });
const LOCALES = Object.keys(locales) as LocaleKey[];

test.use({ viewport: { width: 390, height: 844 } });

for (const locale of LOCALES) {
  for (const scenario of SCENARIOS) {
    test(`${locales[locale].label}, ${scenario.name}: the reader knows what to do next`, async ({ page }) => {
      test.setTimeout(60_000);
      await page.goto(`${localePrefix(locale)}${GUIDE_PATH}?domain=${scenario.domain}`);
      const panel = page.locator('tl-setup-panel');
      // The last check is in when the panel says when it checked.
      await expect(panel.locator('[data-meta]')).not.toBeEmpty({ timeout: 45_000 });

      const needsAttention = await panel
        .locator('li[data-step]')
        .evaluateAll((items) =>
          items
            .filter((item) => ['fail', 'warn', 'error'].includes(item.getAttribute('data-state') ?? ''))
            .map((item) => item.getAttribute('data-step')!),
        );
      for (const step of needsAttention) {
        const fixes = page.locator(`tl-step-status[data-step="${step}"] .tl-fix`);
        expect(await fixes.count(), `${step}: a fix under its heading`).toBeGreaterThan(0);
        // What follows "How to fix it" (before the link to the guide) says something a reader can act on.
        const advice = await fixes.evaluateAll((boxes) =>
          boxes.map((box) => {
            const labels = box.querySelectorAll(':scope > .tl-fix-label');
            const parts: string[] = [];
            for (let node = labels[1]?.nextElementSibling; node && node !== box.lastElementChild;) {
              parts.push(node.textContent ?? '');
              node = node.nextElementSibling;
            }
            return { code: box.getAttribute('data-code'), words: parts.join(' ').trim().split(/\s+/).length };
          }),
        );
        for (const { code, words } of advice) expect(words, `${step}/${code}: how to fix it`).toBeGreaterThan(8);
      }
      if (needsAttention.length === 0) await expect(panel.locator('[data-finish]')).toBeVisible();

      expect(await horizontalOverflow(page), 'horizontal overflow').toBeLessThanOrEqual(0);
      expect(await seriousViolations(page)).toEqual([]);
    });
  }
}
