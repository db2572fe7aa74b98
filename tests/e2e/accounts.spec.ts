import { DatabaseSync } from 'node:sqlite';

import { expect, test, type Page } from '@playwright/test';

import { mintSignInLink } from '../../src/server/sign-in-link.ts';
import { GUIDE_PATH } from '../../src/site/site.ts';
import { E2E_ORIGIN } from './origin.ts';

const signInLink = (accountId: string) =>
  mintSignInLink({ origin: E2E_ORIGIN, accountId, secret: process.env.LOGIN_LINK_SECRET! });
const step = (page: Page, id: string) => page.locator(`tl-setup-panel li[data-step="${id}"]`);
/** What the guide shows under a step's own heading. */
const underHeading = (page: Page, id: string) => page.locator(`tl-step-status[data-step="${id}"]`);

test.describe.configure({ mode: 'serial' });

test('a demo reader signs in, turns click tracking on, then HTTPS, alone', async ({ page }) => {
  test.setTimeout(60_000);
  await page.goto(signInLink('acct_demo'));
  await expect(page).toHaveURL(new RegExp(`${GUIDE_PATH}$`));
  await expect(page.locator('[data-signin-message]')).toHaveText(/You are signed in/);
  await expect(page.locator('[data-account]')).toContainText('Signed in as Demo Outfitters');
  // The account's branded link is filled in and checked at once.
  await expect(page.getByLabel('Branded link domain')).toHaveValue('healthy-direct.lab.example.com');
  await expect(step(page, 'click-tracking')).toHaveAttribute('data-state', 'fail', { timeout: 20_000 });
  await expect(step(page, 'tls')).toHaveAttribute('data-state', 'pass');

  await step(page, 'click-tracking').getByRole('button', { name: 'Turn on click tracking' }).click();
  await expect(step(page, 'click-tracking')).toContainText(
    'Click tracking is on. It applies to emails sent from now on.',
  );
  await expect(step(page, 'click-tracking')).toHaveAttribute('data-state', 'pass', { timeout: 20_000 });
  await expect(step(page, 'https')).toHaveAttribute('data-state', 'ready');

  await step(page, 'https').getByRole('button', { name: 'Turn on HTTPS for healthy-direct.lab.example.com' }).click();
  await expect(step(page, 'https')).toContainText('HTTPS is on.', { timeout: 20_000 });
  await expect(step(page, 'https').locator('.tl-example-link')).toHaveText(
    /^https:\/\/healthy-direct\.lab\.example\.com\//,
  );
  await expect(step(page, 'https')).toHaveAttribute('data-state', 'pass', { timeout: 20_000 });
  await expect(step(page, 'https').getByRole('button', { name: 'Undo' })).toBeVisible();

  // The audit log says exactly what happened, and on what evidence.
  const db = new DatabaseSync(process.env.DATABASE_PATH!, { readOnly: true });
  const log = db
    .prepare("SELECT action, target, actor, evidence FROM audit_log WHERE account_id = 'acct_demo' ORDER BY id")
    .all() as {
    action: string;
    target: string | null;
    actor: string;
    evidence: string;
  }[];
  db.close();
  expect(log.map((entry) => [entry.action, entry.target, entry.actor])).toEqual([
    ['click_tracking_on', null, 'reader:acct_demo'],
    ['https_on', 'healthy-direct.lab.example.com', 'reader:acct_demo'],
  ]);
  expect(JSON.parse(log[1]!.evidence)).toMatchObject({
    route: 'direct',
    checks: expect.arrayContaining([{ id: 'certificate', status: 'pass', code: 'cert_ok' }]),
  });
});

test('with an expired certificate, HTTPS is refused with the reason', async ({ page }) => {
  test.setTimeout(60_000);
  await page.goto(signInLink('acct_expired'));
  await expect(page.getByLabel('Branded link domain')).toHaveValue('cert-expired.lab.example.com');
  await underHeading(page, 'click-tracking').getByRole('button', { name: 'Turn on click tracking' }).click();
  await expect(step(page, 'https')).toHaveAttribute('data-state', 'fail', { timeout: 20_000 });
  await expect(step(page, 'https')).toContainText('HTTPS cannot be turned on yet');
  await expect(step(page, 'https')).toContainText('Still failing: Step 3: Branded link over HTTPS.');
  await expect(page.getByRole('button', { name: /Turn on HTTPS/ })).toHaveCount(0);

  // Asked directly, the server re-runs the checks and refuses, naming the failing step.
  const answer = await page.evaluate(async () => {
    const response = await fetch('/api/account/https', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ domain: 'cert-expired.lab.example.com', enabled: true }),
    });
    return { status: response.status, body: await response.json() };
  });
  expect(answer).toMatchObject({
    status: 409,
    body: { error: { code: 'https_blocked', failing: [{ step: 'tls', code: 'cert_expired' }] } },
  });
});

test('the actions sit under the step headings too, and an Undone note stays with its domain', async ({ page }) => {
  test.setTimeout(60_000);
  // An account of this test's own: click tracking on, HTTPS ready on one domain, a second domain to check.
  const accountId = 'acct_headings';
  const db = new DatabaseSync(process.env.DATABASE_PATH!);
  db.exec('PRAGMA busy_timeout = 5000');
  db.prepare("INSERT OR REPLACE INTO accounts (id, name, click_tracking) VALUES (?, 'Headings Ltd', 1)").run(accountId);
  for (const domain of ['healthy-direct.lab.example.com', 'healthy-proxied.lab.example.com']) {
    db.prepare(
      `INSERT OR REPLACE INTO branded_domains (account_id, domain, https, certificate_state, certificate_not_after)
       VALUES (?, ?, 0, 'active', ?)`,
    ).run(accountId, domain, new Date(Date.now() + 60 * 86_400_000).toISOString());
  }
  db.close();

  await page.goto(signInLink(accountId));
  const https = underHeading(page, 'https');
  const turnOn = https.getByRole('button', { name: 'Turn on HTTPS for healthy-direct.lab.example.com' });
  await expect(turnOn).toBeVisible({ timeout: 20_000 });
  // The same action in the panel: one action, two places to take it.
  await expect(step(page, 'https').getByRole('button', { name: /Turn on HTTPS/ })).toBeVisible();

  await turnOn.click();
  await expect(https).toContainText('HTTPS is on.', { timeout: 20_000 });
  await expect(step(page, 'https')).toContainText('HTTPS is on.');
  // The pressed button is gone: the keyboard stays in the step, on its Undo, not at the top of the page.
  const undo = https.getByRole('button', { name: 'Undo' });
  await expect(undo).toBeFocused();
  await undo.click();
  await expect(https).toContainText('Undone:', { timeout: 20_000 });
  await expect(step(page, 'https')).toContainText('Undone:');

  // Checking another domain: the note was about the first one, and goes.
  await page.getByLabel('Branded link domain').fill('healthy-proxied.lab.example.com');
  await page.getByRole('button', { name: 'Check', exact: true }).click();
  await expect(https.getByRole('button', { name: 'Turn on HTTPS for healthy-proxied.lab.example.com' })).toBeVisible({
    timeout: 20_000,
  });
  await expect(https).not.toContainText('Undone:');
  await expect(step(page, 'https')).not.toContainText('Undone:');
});

test('sign-in links are refused when replayed or altered, with a clear message', async ({ page }) => {
  const link = signInLink('acct_proxied');
  await page.goto(link);
  await expect(page.locator('[data-signin-message]')).toHaveText(/You are signed in/);
  await page.context().clearCookies();
  await page.goto(link);
  await expect(page.locator('[data-signin-message]')).toHaveText(/already used/);
  await expect(page.locator('[data-account]')).toBeHidden();
  const altered = new URL(signInLink('acct_proxied'));
  altered.searchParams.set('account', 'acct_demo');
  await page.goto(altered.href);
  await expect(page.locator('[data-signin-message]')).toHaveText(/not valid/);
});

test('signing out ends the session', async ({ page }) => {
  await page.goto(signInLink('acct_proxied'));
  await expect(page.locator('[data-account]')).toBeVisible();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.locator('[data-account]')).toBeHidden();
  expect(await page.evaluate(async () => (await (await fetch('/api/account')).json()).signedIn)).toBe(false);
});

test('the session cookie is HttpOnly and SameSite', async ({ page }) => {
  await page.goto(signInLink('acct_proxied'));
  const cookie = (await page.context().cookies()).find((entry) => entry.name === 'tl_session');
  expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
});
