import { expect, test, type Page } from '@playwright/test';

import { GUIDE_PATH, locales, localePrefix, type LocaleKey } from '../../src/site/site.ts';

/** Collects every Content Security Policy violation and console error the page reports. */
async function watchPolicy(page: Page) {
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI || 'inline'}`);
    });
  });
  return problems;
}

test('the guide, its search and the live panel work under the site’s policy, with no violation', async ({ page }) => {
  const problems = await watchPolicy(page);
  const response = await page.goto(GUIDE_PATH);
  const policy = response!.headers()['content-security-policy'] ?? '';
  expect(policy).toMatch(/script-src 'self' 'wasm-unsafe-eval' 'sha256-/);
  expect(policy).toContain("frame-ancestors 'none'");
  expect(policy).not.toMatch(/script-src[^;]*'unsafe-inline'/);

  await page.getByLabel('Branded link domain').fill('healthy-direct.lab.example.com');
  await page.getByRole('button', { name: 'Check', exact: true }).click();
  await expect(page.locator('tl-setup-panel [data-meta]')).toContainText('Last checked', { timeout: 20_000 });

  await page
    .getByRole('button', { name: /search/i })
    .first()
    .click();
  const dialog = page.getByRole('dialog');
  await dialog.getByRole('textbox').fill('CNAME');
  await expect(dialog.locator(`a[href^="${GUIDE_PATH}"]`).first()).toBeVisible();

  expect(problems).toEqual([]);
});

test('every page carries its own policy, and no page can be framed', async ({ request }) => {
  for (const locale of Object.keys(locales) as LocaleKey[]) {
    for (const path of [`${localePrefix(locale)}/`, `${localePrefix(locale)}${GUIDE_PATH}`]) {
      const response = await request.get(path);
      const headers = response.headers();
      expect(headers['content-security-policy'], path).toContain("frame-ancestors 'none'");
      expect(headers['x-frame-options'], path).toBe('DENY');
      expect(headers['x-content-type-options'], path).toBe('nosniff');
      expect(headers['referrer-policy'], path).toBe('strict-origin-when-cross-origin');
      expect(headers['permissions-policy'], path).toContain('camera=()');
    }
  }
});

test('pages, scripts and styles arrive compressed; hashed assets are immutable, pages revalidate', async ({
  request,
}) => {
  const page = await request.get(GUIDE_PATH, { headers: { 'accept-encoding': 'br, gzip' } });
  expect(page.headers()['content-encoding']).toBe('br');
  expect(page.headers()['cache-control']).toBe('public, max-age=0, must-revalidate');
  const etag = page.headers()['etag']!;
  const again = await request.get(GUIDE_PATH, { headers: { 'if-none-match': etag } });
  expect(again.status()).toBe(304);

  const html = await page.text();
  const script = /src="(\/_astro\/[^"]+\.js)"/.exec(html)?.[1];
  expect(script).toBeDefined();
  const asset = await request.get(script!, { headers: { 'accept-encoding': 'gzip' } });
  expect(asset.headers()['content-encoding']).toBe('gzip');
  expect(asset.headers()['cache-control']).toBe('public, max-age=31536000, immutable');

  const plain = await request.get(GUIDE_PATH, { headers: { 'accept-encoding': 'identity' } });
  expect(plain.headers()['content-encoding']).toBeUndefined();
});

test('the sign-in redirect that sets the cookie is never cached', async ({ request }) => {
  const response = await request.get('/sign-in?account=acct_demo&expires=1&nonce=aaaaaaaaaaaaaaaa&signature=x', {
    maxRedirects: 0,
  });
  expect(response.status()).toBe(303);
  expect(response.headers()['cache-control']).toBe('no-store');
});

test('API answers from the running server carry the security headers and a request id, errors included', async ({
  request,
}) => {
  for (const [path, status] of [
    ['/api/health', 200],
    ['/api/checks?domain=127.0.0.1', 400],
    ['/api/no-such-route', 404],
  ] as const) {
    const response = await request.get(path);
    expect(response.status(), path).toBe(status);
    const headers = response.headers();
    expect(headers['content-security-policy'], path).toContain("frame-ancestors 'none'");
    expect(headers['x-content-type-options'], path).toBe('nosniff');
    expect(headers['x-frame-options'], path).toBe('DENY');
    expect(headers['x-request-id'], path).toMatch(/^[\w.:-]+$/);
  }
  const tagged = await request.get('/api/health', { headers: { 'x-request-id': 'proxy-req-42' } });
  expect(tagged.headers()['x-request-id']).toBe('proxy-req-42');
});
