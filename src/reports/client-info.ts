import Bowser from 'bowser';

import type { ClientInfo } from './report-store.ts';

const clean = (value: string | null | undefined) =>
  (value ?? '')
    .replace(/^"|"$/g, '')
    .replace(/[^\w .()/-]/g, '')
    .slice(0, 60);

/**
 * The reader's browser and operating system from the User-Agent and, where the
 * browser sends them, client hints (which name the platform more precisely).
 */
export function clientInfo(headers: Headers): ClientInfo {
  // Bowser refuses an empty User-Agent; a client that sends none is simply unknown.
  const userAgent = headers.get('user-agent')?.trim();
  const parsed = userAgent
    ? Bowser.parse(userAgent)
    : ({ browser: {}, os: {}, platform: {}, engine: {} } as Bowser.Parser.ParsedResult);
  const hintedPlatform = clean(headers.get('sec-ch-ua-platform'));
  const hintedVersion = clean(headers.get('sec-ch-ua-platform-version'));
  const browser = [parsed.browser.name, parsed.browser.version].filter(Boolean).join(' ');
  const os = hintedPlatform
    ? [hintedPlatform, hintedVersion].filter(Boolean).join(' ')
    : [parsed.os.name, parsed.os.versionName ?? parsed.os.version].filter(Boolean).join(' ');
  return {
    browser: clean(browser) || 'unknown',
    os: clean(os) || 'unknown',
    platform: clean(parsed.platform.type) || 'unknown',
  };
}
