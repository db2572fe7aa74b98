import { describe, expect, it } from 'vitest';

import { CAA_BLOCK_REASONS } from '../../src/checks/caa-policy.ts';
import { TROUBLESHOOTING_CODES, findingDefinition, troubleshootingAnchor } from '../../src/checks/findings.ts';
import { STEP_IDS, stepAnchor } from '../../src/checks/steps.ts';
import { findDeadEnds } from '../../src/site/dead-ends.ts';
import { PageFrontmatterSchema } from '../../src/site/frontmatter.ts';
import { GUIDE_PATH, locales, retiredRedirects, type LocaleKey } from '../../src/site/site.ts';
import { fixedAnchors, loadPages, troubleshootingEntries } from '../helpers/content.ts';

const pages = loadPages();
const LOCALES = Object.keys(locales) as LocaleKey[];
const guideIn = (locale: LocaleKey) =>
  pages.find(
    (page) =>
      page.locale === locale && page.version === 'current' && page.localPath === 'guides/https-link-tracking.mdx',
  );

describe('frontmatter', () => {
  it.each(pages.map((page) => [page.path, page] as const))(
    '%s has a title, a description and a valid topic',
    (_, page) => {
      expect(page.frontmatter.title, 'title').toEqual(expect.any(String));
      expect(page.frontmatter.description, 'description').toEqual(expect.any(String));
      const parsed = PageFrontmatterSchema.safeParse(page.frontmatter);
      expect(parsed.success, parsed.error?.message).toBe(true);
    },
  );

  it('rejects a topic that is not kebab-case', () => {
    expect(PageFrontmatterSchema.safeParse({ topic: 'HTTPS Links' }).success).toBe(false);
  });
});

describe('one page per topic', () => {
  it('no two pages of a locale and version share a topic', () => {
    const owners = new Map<string, string>();
    const duplicates: string[] = [];
    for (const page of pages) {
      const key = `${page.locale}/${page.version}/${String(page.frontmatter.topic)}`;
      const owner = owners.get(key);
      if (owner) duplicates.push(`${page.path} repeats the topic of ${owner}`);
      owners.set(key, page.path);
    }
    expect(duplicates).toEqual([]);
  });

  it('every locale has every page of English, in every version', () => {
    const english = pages.filter((page) => page.locale === 'root').map((page) => `${page.version}/${page.localPath}`);
    for (const locale of LOCALES) {
      const present = pages.filter((page) => page.locale === locale).map((page) => `${page.version}/${page.localPath}`);
      expect(present.sort(), `pages in locale ${locale}`).toEqual([...english].sort());
    }
  });

  it('retired URLs are redirects, never pages of their own', () => {
    const redirects = retiredRedirects();
    expect(Object.keys(redirects)).toHaveLength(3 * LOCALES.length);
    for (const [from, { destination }] of Object.entries(redirects)) {
      const locale = LOCALES.find((key) => key !== 'root' && from.startsWith(`/${key}/`)) ?? 'root';
      expect(destination).toBe(`${locale === 'root' ? '' : `/${locale}`}${GUIDE_PATH}`);
      const slug = from.replace(/^\/(?:es|it|de)\//, '/').replace(/^\/|\/$/g, '');
      expect(
        pages.some((page) => page.localPath.replace(/\.mdx?$/, '') === slug),
        `${from} must not be a page`,
      ).toBe(false);
    }
  });
});

describe('troubleshooting anchors', () => {
  it('every finding with an entry has a distinct kebab-case anchor', () => {
    const anchors = TROUBLESHOOTING_CODES.map(troubleshootingAnchor);
    expect(new Set(anchors).size).toBe(anchors.length);
    for (const anchor of anchors) expect(anchor).toMatch(/^[a-z0-9]+(?:-[a-z0-9]+)*$/);
    expect(findingDefinition('cname_missing').anchor).toBe('cname-missing');
    expect(findingDefinition('cert_ok').anchor).toBe('step-tls');
  });

  it.each(LOCALES)(
    'the %s guide has exactly one entry per troubleshooting code, in the same order as English',
    (locale) => {
      const guide = guideIn(locale);
      expect(guide, `guide in ${locale}`).toBeDefined();
      const entries = troubleshootingEntries(guide!.body);
      expect([...entries].sort()).toEqual(TROUBLESHOOTING_CODES.map(troubleshootingAnchor).sort());
      expect(entries).toEqual(troubleshootingEntries(guideIn('root')!.body));
    },
  );

  it.each(LOCALES)('the %s guide carries every step anchor and the same fixed ids as English', (locale) => {
    const ids = fixedAnchors(guideIn(locale)!.body);
    for (const step of STEP_IDS) expect(ids).toContain(stepAnchor(step));
    expect(ids).toEqual(fixedAnchors(guideIn('root')!.body));
    expect(new Set(ids).size, 'ids are unique on the page').toBe(ids.length);
  });
});

describe('the CAA entry', () => {
  it.each(LOCALES)('the %s guide has one item per reason the CAA check gives, starting with its code', (locale) => {
    // The fix under step 3 keeps only the reader's reason: it finds the item by the code it starts with.
    const body = guideIn(locale)!.body;
    const entry = body.slice(body.indexOf('id="caa-blocks-issuer"'), body.indexOf('id="cert-expiring-soon"'));
    const codes = [...entry.matchAll(/^- `([a-z_]+)`:/gm)].map((match) => match[1]);
    expect(codes).toEqual([...CAA_BLOCK_REASONS]);
  });
});

describe('no dead ends', () => {
  it.each(pages.map((page) => [page.path, page.body] as const))('%s never sends the reader to support', (_, body) => {
    expect(findDeadEnds(body)).toEqual([]);
  });

  it.each([
    'If nothing works, contact support to enable HTTPS.',
    'Ponte en contacto con el equipo de soporte.',
    'Contatta il supporto per attivare HTTPS.',
    'Bitte wende dich an den Support.',
  ])('recognises a dead end: %s', (text) => {
    expect(findDeadEnds(text)).not.toEqual([]);
  });

  it('does not mistake the troubleshooting wording for a dead end', () => {
    expect(findDeadEnds('The CDN supports TLS 1.3; support for HTTP/2 is on.')).toEqual([]);
  });
});
