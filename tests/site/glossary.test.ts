import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';

import { GLOSSARY_LANGS, GlossarySchema } from '../../src/site/glossary.ts';
import { locales, type LocaleKey } from '../../src/site/site.ts';
import { ROOT, loadPages } from '../helpers/content.ts';

const glossary = GlossarySchema.parse(parseYaml(readFileSync(join(ROOT, 'content/glossary.yaml'), 'utf8')));
const langOf = (locale: LocaleKey) => locales[locale].lang;
const stringsOf = (lang: string) =>
  JSON.parse(readFileSync(join(ROOT, `content/i18n/${lang}.json`), 'utf8')) as Record<string, string>;

/** Every guide page, in every locale and version, with the words a reader reads. */
const guides = loadPages()
  .filter((page) => page.localPath === 'guides/https-link-tracking.mdx' || page.localPath === 'index.mdx')
  .map((page) => ({ page, lang: langOf(page.locale), prose: prose(page.body) }));

/** A page's text as readers read it: no imports, components, code or expressions. */
function prose(body: string): string {
  return body
    .replace(/^import .*$/gm, '')
    .replace(/```[\s\S]*?```/g, '')
    .replace(/`[^`\n]*`/g, '')
    .replace(/<code>[\s\S]*?<\/code>/g, '')
    .replace(/\{\/\*[\s\S]*?\*\/\}/g, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/\{[^{}\n]*\}/g, 'x');
}

/** Text without third-party labels, which stay in English in bold by decision. */
const withoutBold = (text: string) => text.replace(/\*\*[^*]+\*\*/g, '');

/** Everything of one language a reader can see: its guide pages and its interface strings. */
function textsOf(lang: string): { where: string; text: string }[] {
  const strings = Object.entries(stringsOf(lang)).map(([key, text]) => ({ where: `${lang}.json ${key}`, text }));
  return [
    ...guides.filter((guide) => guide.lang === lang).map((guide) => ({ where: guide.page.path, text: guide.prose })),
    ...strings,
  ];
}

describe('glossary', () => {
  it('has one row per term with all four languages', () => {
    for (const term of glossary)
      for (const lang of GLOSSARY_LANGS) expect(term.use[lang], `${term.id} ${lang}`).toBeTruthy();
  });

  it.each(GLOSSARY_LANGS)('%s avoids every wording the glossary rules out', (lang) => {
    const found: string[] = [];
    for (const term of glossary)
      for (const source of term.avoid?.[lang] ?? []) {
        const pattern = new RegExp(source, 'u');
        for (const { where, text } of textsOf(lang))
          if (pattern.test(withoutBold(text)))
            found.push(`${where}: "${withoutBold(text).match(pattern)![0]}" (${term.id})`);
      }
    expect(found).toEqual([]);
  });

  it.each(GLOSSARY_LANGS)('%s introduces terms the way the glossary says, at their first mention', (lang) => {
    for (const term of glossary) {
      const first = term.firstMention?.[lang];
      if (!first) continue;
      for (const { page, prose: text } of guides.filter((guide) => guide.lang === lang)) {
        const at = text.indexOf(term.use[lang]);
        if (at === -1) continue;
        expect(text.slice(at, at + first.length), `${page.path}: first mention of ${term.id}`).toBe(first);
      }
    }
  });

  it.each(GLOSSARY_LANGS)('%s quotes with its own marks: «…» in Spanish and Italian, „…“ in German', (lang) => {
    const wrong = lang === 'de' ? /"|“[^“”„]*”|«|»/ : lang === 'en' ? /«|»|„/ : /"|“|”|„/;
    const found = textsOf(lang)
      .map(({ where, text }) => ({ where, text: text.replace(/<a href=\{\{link\}\}>/g, '') }))
      .filter(({ text }) => wrong.test(text))
      .map(({ where, text }) => `${where}: ${text.match(wrong)![0]}`);
    expect(found).toEqual([]);
  });

  it.each(GLOSSARY_LANGS)('%s keeps a number and its unit together with a non-breaking space', (lang) => {
    const loose =
      /\b(?:TLS|[Pp]ort|[Pp]uerto|[Pp]orta) \d|(?:\d|\}\}) (?:KB|s|minutes|minutos|minuti|Minuten|days|días|giorni|Tagen|Tage|hours?|horas?|ore|Stunden?)\b/;
    const found = textsOf(lang)
      .filter(({ text }) => loose.test(text))
      .map(({ where, text }) => `${where}: ${text.match(loose)![0]}`);
    expect(found).toEqual([]);
  });
});

describe("the platform's own dashboard labels", () => {
  const english = stringsOf('en');
  const labelKeys = Object.keys(english)
    .filter((key) => key.startsWith('tracklight.dashboard.'))
    .map((key) => key.slice('tracklight.dashboard.'.length));

  it.each(guides.filter(({ page }) => page.version === 'current').map((guide) => [guide.page.path, guide] as const))(
    '%s takes them from the interface strings, never retyped',
    (_, { page, lang }) => {
      const strings = stringsOf(lang);
      const used = [...page.body.matchAll(/<DashboardLabel path="([^"]+)"/g)].flatMap((match) =>
        match[1]!.split(/\s+/),
      );
      for (const key of used) expect(labelKeys, `${page.path} uses an unknown label`).toContain(key);
      const bold = [...page.body.matchAll(/\*\*([^*]+)\*\*/g)].map((match) => match[1]!.replace(/\s+/g, ' '));
      const retyped = bold.filter((text) =>
        labelKeys.some((key) => {
          const label = strings[`tracklight.dashboard.${key}`]!;
          // A menu path with one of the dashboard's words, or a label of several words, written by hand.
          return (
            (text.includes('→') && new RegExp(`(^|→ )${label}( →|$)`).test(text)) ||
            (label.includes(' ') && text === label)
          );
        }),
      );
      expect(retyped).toEqual([]);
      if (page.localPath === 'guides/https-link-tracking.mdx') expect(used.length).toBeGreaterThan(0);
    },
  );
});
