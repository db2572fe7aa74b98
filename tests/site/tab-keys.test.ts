import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { DEMO_ACCOUNTS } from '../../src/accounts/sqlite-directory.ts';
import { CERTIFICATE_STATES } from '../../src/accounts/directory.ts';
import cdnRanges from '../../src/checks/data/cdn-ranges.json' with { type: 'json' };
import { describeStatus, outdatedIds, translationStatus } from '../../src/site/translation-status.ts';
import { LAB_ZONE, labScenarios } from '../lab/scenarios.ts';
import { loadPages } from '../helpers/content.ts';

const guides = loadPages().filter(
  (page) => page.version === 'current' && page.localPath === 'guides/https-link-tracking.mdx',
);

/** The keys the `<TabKey>` markers declare inside each `<Tabs syncKey>` of a page: each belongs to the innermost set. */
function tabKeys(body: string, syncKey: string): string[] {
  const open: string[] = [];
  const keys: string[] = [];
  for (const match of body.matchAll(/<Tabs syncKey="([^"]+)">|<\/Tabs>|<TabKey id="([^"]+)" \/>/g)) {
    if (match[1]) open.push(match[1]);
    else if (match[2]) {
      if (open.at(-1) === syncKey) keys.push(match[2]);
    } else open.pop();
  }
  return keys;
}

describe('the tabs the live checks select, by key', () => {
  it.each(guides.map((page) => [page.locale, page] as const))(
    '%s: every CDN provider in the ranges file has a tab of its own',
    (_, page) => {
      const keys = tabKeys(page.body, 'cdn');
      for (const provider of cdnRanges.providers) expect(keys, provider.name).toContain(provider.id);
      expect(new Set(keys).size).toBe(keys.length);
    },
  );

  it.each(guides.map((page) => [page.locale, page] as const))(
    '%s: the step 3 routes declare "managed" and "cdn", and every tab declares a key',
    (_, page) => {
      expect(tabKeys(page.body, 'tls-route')).toEqual(['managed', 'cdn']);
      const step3 = page.body.slice(page.body.indexOf('<Tabs syncKey="tls-route">'));
      const items = step3.slice(0, step3.indexOf('### ')).match(/<TabItem /g)!.length;
      expect(tabKeys(page.body, 'tls-route').length + tabKeys(page.body, 'cdn').length).toBe(items);
    },
  );
});

describe('the demo and the lab', () => {
  const scenarios = new Set(labScenarios({ https: 443, http: 80 }).map((scenario) => scenario.domain));
  const demoDomains = DEMO_ACCOUNTS.flatMap((account) => account.domains);

  it('demo accounts own only lab domains (or the guide’s example), so sign-in to HTTPS on works end to end', () => {
    for (const { domain } of demoDomains) {
      if (domain.endsWith(`.${LAB_ZONE}`)) expect(scenarios, domain).toContain(domain);
      else expect(domain).toBe('links.example.com');
    }
  });

  it('has a domain with a managed certificate in each state', () => {
    const states = new Set(demoDomains.map((domain) => domain.certificate?.state).filter(Boolean));
    expect([...states].sort()).toEqual([...CERTIFICATE_STATES].sort());
  });
});

describe('translation status from git history', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  /** A small repository with an English page and its Spanish translation. */
  function repository() {
    const dir = mkdtempSync(join(tmpdir(), 'tracklight-translations-'));
    dirs.push(dir);
    const git = (...args: string[]) =>
      execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: dir });
    git('init', '-q');
    const write = (path: string, text: string) => {
      mkdirSync(join(dir, path, '..'), { recursive: true });
      writeFileSync(join(dir, path), text);
    };
    write('content/docs/guides/x.mdx', 'one');
    write('content/docs/es/guides/x.mdx', 'uno');
    git('add', '.');
    git('commit', '-qm', 'both');
    return { dir, git, write };
  }

  it('marks a translation outdated once the English page changes without it, and in step again after', () => {
    const { dir, git, write } = repository();
    expect(outdatedIds(translationStatus(dir))).toEqual([]);
    write('content/docs/guides/x.mdx', 'two');
    git('commit', '-qam', 'English only');
    expect(outdatedIds(translationStatus(dir))).toEqual(['es/guides/x']);
    expect(describeStatus(translationStatus(dir))).toMatch(/es\/guides\/x \(English: \/guides\/x\/\)/);
    write('content/docs/es/guides/x.mdx', 'dos');
    git('commit', '-qam', 'Spanish follows');
    expect(outdatedIds(translationStatus(dir))).toEqual([]);
  });

  it('says the status is unknown without history, instead of calling everything up to date', () => {
    const { dir } = repository();
    const shallow = mkdtempSync(join(tmpdir(), 'tracklight-shallow-'));
    dirs.push(shallow);
    execFileSync('git', ['clone', '-q', '--depth', '1', `file://${dir}`, shallow]);
    const status = translationStatus(shallow);
    expect(status.known).toBe(false);
    expect(describeStatus(status)).toMatch(/unknown: a shallow clone.*git fetch --unshallow/);
    const plain = mkdtempSync(join(tmpdir(), 'tracklight-plain-'));
    dirs.push(plain);
    expect(translationStatus(plain).known).toBe(false);
  });
});
