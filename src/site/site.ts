/**
 * The one configuration file of the documentation site: the platform the guide
 * is written for, its languages, and the single canonical guide URL. Change the
 * platform's name or tracking host here and every page, check and test follows.
 */

const exampleLabel = 'links';
const exampleZone = 'example.com';

/** The email platform whose customers read the guide. */
export const platform = {
  /** The product name shown in the guide and the site title. */
  name: 'Mailvane',
  /** Where customers sign in to the dashboard. */
  dashboardUrl: 'https://app.mail.example',
  /** The host every branded link domain's CNAME record must point at. */
  trackingHost: 'track.mail.example',
  /** The DNS zone of the example customer in the guide's instructions. */
  exampleZone,
  /** The label the guide suggests for the branded link, typed into DNS forms. */
  exampleLabel,
  /** The example branded link domain the guide uses in its instructions. */
  exampleDomain: `${exampleLabel}.${exampleZone}`,
  /** The certificate authority that issues managed certificates (for CAA records). */
  managedCertificateIssuer: 'letsencrypt.org',
  /** Every CA domain the platform may issue from (CAA `issue` values); the first is the one the guide names. */
  certificateIssuers: ['letsencrypt.org'] as readonly string[],
  /** The platform's ACME account URI, matched against CAA `accounturi` parameters. */
  acmeAccountUri: 'https://acme-v02.api.letsencrypt.org/acme/acct/123456789',
  /** The ACME challenge the platform validates with, matched against CAA `validationmethods`. */
  validationMethod: 'http-01',
  /** The path on a branded link domain that answers the HTTPS probe. */
  probePath: '/.well-known/link-tracking',
  /** The value of the `x-link-tracking-service` header the tracking service sends. */
  serviceId: 'mailvane',
} as const;

/** The settings a build of the guide prints (`platform`, or the configured values in its shape). */
export type PlatformSettings = {
  readonly [K in keyof typeof platform]: (typeof platform)[K] extends string ? string : readonly string[];
};

/** The command lines the guide shows, built from the platform settings so they never drift. */
export function commandsFor(platform: PlatformSettings) {
  return {
    digCname: `dig +short CNAME ${platform.exampleDomain}`,
    digCnameAnswer: `${platform.trackingHost}.`,
    digAddress: `dig +short ${platform.exampleDomain}`,
    digCaa: `dig +short CAA ${platform.exampleZone}`,
    nslookupCname: `nslookup -type=CNAME ${platform.exampleDomain}`,
    caaRecord: `${platform.exampleZone}.  3600  IN  CAA  0 issue "${platform.managedCertificateIssuer}"`,
    curlProbe: `curl -sSI https://${platform.exampleDomain}${platform.probePath}`,
    curlProbeAnswer: `x-link-tracking-service: ${platform.serviceId}`,
    opensslCertificate: `openssl s_client -connect ${platform.exampleDomain}:443 -servername ${platform.exampleDomain} </dev/null 2>/dev/null | openssl x509 -noout -issuer -subject -dates -ext subjectAltName`,
  } as const;
}

/** The command lines for the default settings. */
export const commands = commandsFor(platform);

/** The languages of the site. English is the root locale; the others live under their code. */
export const locales = {
  root: { label: 'English', lang: 'en' },
  es: { label: 'Español', lang: 'es' },
  it: { label: 'Italiano', lang: 'it' },
  de: { label: 'Deutsch', lang: 'de' },
} as const;

/** A locale key of `locales`: `root` for English. */
export type LocaleKey = keyof typeof locales;

/** The URL prefix of a locale: `''` for English, `/es` for Spanish. */
export function localePrefix(locale: LocaleKey): string {
  return locale === 'root' ? '' : `/${locale}`;
}

/** The path of the one canonical guide page (in the root locale). */
export const GUIDE_PATH = '/guides/https-link-tracking/';

/** The site's public origin: `SITE_URL`, else the local server's address. */
export function siteUrl(env: Record<string, string | undefined> = process.env): string {
  return env.SITE_URL ?? `http://localhost:${env.PORT ?? 4321}`;
}

/** The canonical guide's absolute URL, which every check result links into. */
export function guideUrl(env: Record<string, string | undefined> = process.env): string {
  return new URL(GUIDE_PATH, siteUrl(env)).href;
}

/**
 * The guide's versions, one per generation of the dashboard. Labels are names,
 * the same in every language; the sentences around them are translated.
 */
export const CURRENT_VERSION = { label: 'Dashboard 2025' } as const;
/** The archived guide for the legacy dashboard, under `content/docs/legacy/`. */
export const LEGACY_VERSION = { slug: 'legacy', label: 'Dashboard 2019' } as const;

/**
 * Pages the platform once published on the same topic. Each one, in every
 * locale, redirects permanently to the canonical guide so there is one source.
 */
export const RETIRED_PATHS = ['/ssl-click-tracking/', '/link-branding/https/', '/guides/cloudflare-ssl/'] as const;

/** Permanent redirects from every retired path, in every locale, to the guide in that locale. */
export function retiredRedirects(): Record<string, { status: 301; destination: string }> {
  const redirects: Record<string, { status: 301; destination: string }> = {};
  for (const locale of Object.keys(locales) as LocaleKey[]) {
    const prefix = localePrefix(locale);
    for (const path of RETIRED_PATHS) {
      redirects[`${prefix}${path}`] = { status: 301, destination: `${prefix}${GUIDE_PATH}` };
    }
  }
  return redirects;
}
