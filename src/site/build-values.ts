/**
 * The values the built pages print and the running server must share: the
 * tracking host, probe path and service id, the platform's certificate
 * authorities (CAA), and the public site URL. The build reads them from the
 * same variables the server reads, records what it used beside the build, and
 * the server refuses to start on values unlike the build's.
 */
import { z } from 'zod';

import { ChecksEnvSchema } from '../checks/config.ts';
import { commandsFor, platform as defaults } from './site.ts';

/** `SITE_URL`: the public origin readers use; unset, the local server's address. */
export const SiteUrlSchema = z
  .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL such as https://docs.example.com' })
  .optional();

/** The variables whose values end up in the built pages, validated as the server validates them. */
export const BuildValuesSchema = ChecksEnvSchema.pick({
  TRACKING_CNAME_TARGET: true,
  TRACKING_PROBE_PATH: true,
  TRACKING_SERVICE_ID: true,
  CAA_ISSUER_DOMAINS: true,
  CAA_ACCOUNT_URI: true,
  CAA_VALIDATION_METHOD: true,
}).extend({
  SITE_URL: SiteUrlSchema.transform((value) => value ?? null),
});

/** The values of one build, or of one running server, with defaults applied. */
export type BuildValues = z.output<typeof BuildValuesSchema>;

/** The file beside the build (in `dist/`) that records the values the build used. */
export const BUILD_VALUES_FILE = 'build-values.json';

/** The address a site without `SITE_URL` is built for and served at: the local server's, as the server itself assumes. */
export function defaultSiteUrl(env: Record<string, string | undefined> = process.env): string {
  return `http://localhost:${env.PORT ?? 4321}`;
}

/** Parses the build's values from the environment, or throws one error naming each bad variable. */
export function resolveBuildValues(env: Record<string, string | undefined> = process.env): BuildValues {
  const parsed = BuildValuesSchema.safeParse({ ...env, SITE_URL: env.SITE_URL ?? defaultSiteUrl(env) });
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
  throw new Error(`Invalid configuration for the build:\n${problems.join('\n')}`);
}

/** Reads a recorded `build-values.json`; undefined when it is not one. */
export function parseRecordedValues(json: string): BuildValues | undefined {
  try {
    const recorded = BuildValuesSchema.safeParse(
      Object.fromEntries(
        Object.entries(JSON.parse(json) as Record<string, unknown>).map(([key, value]) => [
          key,
          Array.isArray(value) ? value.join(',') : (value ?? undefined),
        ]),
      ),
    );
    return recorded.success ? recorded.data : undefined;
  } catch {
    return undefined;
  }
}

const shown = (value: BuildValues[keyof BuildValues]) =>
  value === null ? '(not set)' : `"${Array.isArray(value) ? value.join(',') : value}"`;

/** One line per variable whose running value differs from the build's, naming the variable and both values. */
export function differingValues(built: BuildValues, running: BuildValues): string[] {
  return (Object.keys(BuildValuesSchema.shape) as (keyof BuildValues)[])
    .filter((key) => shown(built[key]) !== shown(running[key]))
    .map((key) => `${key}: the pages were built with ${shown(built[key])}, the server has ${shown(running[key])}`);
}

/** The platform settings the guide prints, with the configured values in place of the defaults. */
export function guidePlatform(values: BuildValues) {
  return {
    ...defaults,
    trackingHost: values.TRACKING_CNAME_TARGET,
    probePath: values.TRACKING_PROBE_PATH,
    serviceId: values.TRACKING_SERVICE_ID,
    managedCertificateIssuer: values.CAA_ISSUER_DOMAINS[0]!,
    certificateIssuers: values.CAA_ISSUER_DOMAINS,
    acmeAccountUri: values.CAA_ACCOUNT_URI,
    validationMethod: values.CAA_VALIDATION_METHOD,
  };
}

/** The platform settings and command lines of one build, as the guide's MDX imports them. */
export function guideModule(values: BuildValues) {
  const platform = guidePlatform(values);
  return { platform, commands: commandsFor(platform), siteUrl: values.SITE_URL ?? defaultSiteUrl({}) };
}
