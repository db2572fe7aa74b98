import { describe, expect, it } from 'vitest';

import { displayDomain, evidenceSentence } from '../../src/site/evidence-text.ts';
import { toUnicode } from '../../src/site/punycode.ts';
import { ENGLISH_STRINGS } from '../../src/site/ui-strings.ts';

describe('internationalised names', () => {
  it('read in Unicode, with the ASCII form the checks used beside it', () => {
    expect(displayDomain('links.xn--bcher-kva.example', toUnicode)).toBe(
      'links.bücher.example (links.xn--bcher-kva.example)',
    );
    expect(displayDomain('links.example.com', toUnicode)).toBe('links.example.com');
    expect(displayDomain('xn--zz.example', toUnicode)).toBe('xn--zz.example');
  });

  it('appear that way in what the check found', () => {
    const sentence = evidenceSentence(
      { strings: ENGLISH_STRINGS, lang: 'en' },
      { code: 'cname_missing', evidence: { addresses: [] } },
      'links.xn--bcher-kva.example',
      toUnicode,
    );
    expect(sentence).toBe('links.bücher.example (links.xn--bcher-kva.example) has no CNAME record and no address.');
  });

  it('read that way wherever the evidence names them, and only there', () => {
    const wording = { strings: ENGLISH_STRINGS, lang: 'en' };
    const gone = evidenceSentence(
      wording,
      { code: 'nxdomain', evidence: { name: 'xn--bcher-kva.example' } },
      'x',
      toUnicode,
    );
    expect(gone).toBe('DNS says bücher.example (xn--bcher-kva.example) does not exist.');
    const target = evidenceSentence(
      wording,
      { code: 'cname_wrong_target', evidence: { target: 'old.xn--caf-dma.example', expected: 'track.mail.example' } },
      'links.example.com',
      toUnicode,
    );
    expect(target).toBe(
      'links.example.com points at old.café.example (old.xn--caf-dma.example), not at track.mail.example.',
    );
  });
});

describe('the Punycode decoder', () => {
  it.each([
    ['xn--bcher-kva.example', 'bücher.example'],
    ['xn--mnchen-3ya.de', 'münchen.de'],
    ['xn--fiqs8s.example', '中国.example'],
    ['links.xn--caf-dma.example', 'links.café.example'],
    ['xn--1lqs71d.example', '東京.example'],
  ])('%s reads %s, as Node’s own decoder says', async (ascii, unicode) => {
    const { domainToUnicode } = await import('node:url');
    const { toUnicode } = await import('../../src/site/punycode.ts');
    expect(toUnicode(ascii)).toBe(unicode);
    expect(toUnicode(ascii)).toBe(domainToUnicode(ascii));
  });
});
