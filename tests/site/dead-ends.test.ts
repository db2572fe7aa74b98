import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

import type { AstroIntegrationLogger } from 'astro';
import { afterEach, describe, expect, it } from 'vitest';

import { DEAD_END_PATTERNS, findDeadEnds } from '../../src/site/dead-ends.ts';
import { resolveBuildValues } from '../../src/site/build-values.ts';
import tracklight from '../../src/server/integration.ts';

/** Per language: sentences that send the reader to support (must match) and sentences that only name it (must not). */
const SENTENCES: Record<keyof typeof DEAD_END_PATTERNS, { deadEnds: string[]; fine: string[] }> = {
  en: {
    deadEnds: [
      'If nothing works, contact support to enable HTTPS.',
      'Please contact customer support.',
      'Get in touch with our support team.',
      'Reach out to the support team for help.',
      'Open a support ticket and we will turn it on.',
      'Email support@mail.example with your domain.',
      'Talk to technical support.',
    ],
    fine: [
      'Share with support',
      'The CDN supports TLS 1.3; support for HTTP/2 is on.',
      'Support sees exactly what you saw, so nobody asks you to clear cookies.',
      'Contact your DNS provider only if the record cannot be saved.',
    ],
  },
  es: {
    deadEnds: [
      'Comunícate con soporte para activar HTTPS.',
      'Ponte en contacto con el equipo de soporte.',
      'Contacta con el soporte.',
      'Póngase en contacto con atención al cliente.',
      'Abre un ticket y lo activaremos.',
      'Escribe a soporte si no funciona.',
    ],
    fine: ['Compartir con soporte', 'El CDN ofrece soporte de TLS 1.3.', 'El soporte ve exactamente lo que viste.'],
  },
  it: {
    deadEnds: [
      "Rivolgiti all'assistenza per attivare HTTPS.",
      'Contatta il supporto per attivare HTTPS.',
      "Contattare l'assistenza clienti.",
      'Mettiti in contatto con il supporto.',
      'Apri un ticket e lo attiveremo.',
      'Scrivi al supporto.',
    ],
    fine: [
      "Condividi con l'assistenza",
      'Il supporto di HTTP/2 è attivo.',
      "L'assistenza vede esattamente ciò che hai visto.",
    ],
  },
  de: {
    deadEnds: [
      'Wenden Sie sich an den Support.',
      'Bitte wende dich an den Support.',
      'Kontaktiere unseren Kundendienst.',
      'Den Support kontaktieren, um HTTPS zu aktivieren.',
      'Ein Ticket eröffnen und warten.',
      'Melden Sie sich beim Support.',
    ],
    fine: ['Mit dem Support teilen', 'Der Support sieht genau, was Sie gesehen haben.', 'TLS 1.3 wird unterstützt.'],
  },
};

describe.each(Object.entries(SENTENCES))('the %s dead-end patterns', (language, { deadEnds, fine }) => {
  const own = (text: string) =>
    DEAD_END_PATTERNS[language as keyof typeof DEAD_END_PATTERNS].some((pattern) => pattern.test(text));

  it.each(deadEnds)('catch: %s', (sentence) => {
    expect(own(sentence), 'this language’s own patterns catch it').toBe(true);
    expect(findDeadEnds(sentence)).not.toEqual([]);
  });

  it.each(fine)('let pass: %s', (sentence) => {
    expect(findDeadEnds(sentence)).toEqual([]);
  });
});

describe('the build hook', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  const silent = { info() {}, warn() {}, error() {}, debug() {} } as unknown as AstroIntegrationLogger;

  /** Runs the integration's own build hooks over a built site holding `pages`. */
  async function build(pages: Record<string, string>) {
    const out = mkdtempSync(join(tmpdir(), 'tracklight-build-'));
    dirs.push(out);
    const client = join(out, 'client');
    for (const [path, html] of Object.entries(pages)) {
      mkdirSync(join(client, path, '..'), { recursive: true });
      writeFileSync(join(client, path), html);
    }
    const integration = tracklight({ values: resolveBuildValues({}) });
    const hooks = integration.hooks as Record<string, (options: unknown) => Promise<void> | void>;
    await hooks['astro:config:done']!({ config: { outDir: pathToFileURL(`${out}/`) } });
    await hooks['astro:build:done']!({ dir: pathToFileURL(`${client}/`), logger: silent });
    return out;
  }

  it('refuses a built page that sends the reader to support, naming the page and the phrase', async () => {
    await expect(
      build({
        'index.html': '<p>All good.</p>',
        'de/guides/x/index.html': '<p>Wenden Sie sich an den <strong>Support</strong>.</p>',
      }),
    ).rejects.toThrow(/de\/guides\/x\/index\.html: "Wenden Sie sich an den Support"/);
  });

  it('refuses it in llms.txt too, and ignores scripts', async () => {
    await expect(build({ 'llms.txt': 'Then contact customer support.' })).rejects.toThrow(/llms\.txt/);
    await expect(
      build({ 'index.html': '<script>const s = "contact support";</script><p>Share with support</p>' }),
    ).resolves.toBeTruthy();
  });

  it('accepts a clean build and records the values it was built with', async () => {
    const out = await build({ 'index.html': '<p>Share with support</p>' });
    expect(JSON.parse(readFileSync(join(out, 'build-values.json'), 'utf8'))).toMatchObject({
      TRACKING_CNAME_TARGET: 'track.mail.example',
    });
  });
});
