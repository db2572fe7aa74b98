import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';

/**
 * The serious and critical axe violations on the page (or inside `include`),
 * one line each. It first waits for the page's own steady state: Expressive
 * Code makes a code block that scrolls sideways focusable a moment after the
 * block appears (in a tab just selected, say), never before.
 */
export async function seriousViolations(page: Page, include: string[] = []): Promise<string[]> {
  await page.waitForFunction(() =>
    [...document.querySelectorAll('.expressive-code pre')].every(
      (pre) => pre.scrollWidth <= pre.clientWidth || pre.getAttribute('tabindex') === '0',
    ),
  );
  let builder = new AxeBuilder({ page });
  for (const selector of include) builder = builder.include(selector);
  const results = await builder.analyze();
  return results.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map(
      (violation) =>
        `${violation.id}: ${violation.help} (${violation.nodes.map((node) => node.target.join(' ')).join(', ')})`,
    );
}

/** How many pixels the page is wider than the window: anything above 0 scrolls sideways, cut off on a phone. */
export function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
}
