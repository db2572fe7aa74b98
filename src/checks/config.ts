import { isIP } from 'node:net';

import { z } from 'zod';

import { platform } from '../site/site.ts';

const HostPortSchema = z
  .string()
  .trim()
  .transform((value, ctx) => {
    const match = /^(?:\[([0-9a-f:.]+)\]|([0-9.]+)|([0-9a-f:]+))(?::(\d{1,5}))?$/i.exec(value);
    const host = match?.[1] ?? match?.[2] ?? match?.[3];
    // A bare IPv6 address has colons of its own: only the bracketed form takes a port.
    const port = match?.[3] ? undefined : match?.[4];
    if (!host || !isIP(host) || (port && Number(port) > 65535)) {
      ctx.addIssue({ code: 'custom', message: `"${value}" is not ip[:port] (IPv6 as [ip]:port)` });
      return z.NEVER;
    }
    return isIP(host) === 6 ? `[${host}]${port ? `:${port}` : ''}` : `${host}${port ? `:${port}` : ''}`;
  });

const CidrSchema = z
  .string()
  .trim()
  .refine((value) => {
    const [address, bits, extra] = value.split('/');
    const family = address ? isIP(address) : 0;
    const prefix = Number(bits);
    return !extra && family !== 0 && Number.isInteger(prefix) && prefix >= 0 && prefix <= (family === 4 ? 32 : 128);
  }, 'must be a CIDR block such as 127.0.0.0/8 or fd00::/8');

const list = (item: z.ZodType<string, string>) =>
  z
    .string()
    .optional()
    .transform((value) => (value ? value.split(',').filter((entry) => entry.trim() !== '') : []))
    .pipe(z.array(item));

const DomainNameSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(
    /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/,
    'must be a domain name',
  );

/** The environment the checks read, validated once at start-up. */
export const ChecksEnvSchema = z.object({
  /** The host every branded link's CNAME must point at. */
  TRACKING_CNAME_TARGET: z
    .string()
    .trim()
    .toLowerCase()
    .transform((value) => value.replace(/\.$/, ''))
    .default(platform.trackingHost),
  /** The path on a branded link domain that the tracking service answers. */
  TRACKING_PROBE_PATH: z
    .string()
    .regex(/^\/[\x21-\x7e]*$/, 'must be a path starting with /')
    .default(platform.probePath),
  /** The value of the `x-link-tracking-service` header that proves the tracking service answered. */
  TRACKING_SERVICE_ID: z.string().min(1).default(platform.serviceId),
  /** The CA domains the platform issues from (comma-separated); a CAA set must allow at least one. */
  CAA_ISSUER_DOMAINS: z
    .string()
    .optional()
    .transform((value) =>
      value ? value.split(',').filter((entry) => entry.trim() !== '') : [...platform.certificateIssuers],
    )
    .pipe(z.array(DomainNameSchema).min(1, 'must name at least one CA domain')),
  /** The platform's ACME account URI, compared with CAA `accounturi` parameters. */
  CAA_ACCOUNT_URI: z.url().default(platform.acmeAccountUri),
  /** The ACME validation method the platform uses, compared with CAA `validationmethods` parameters. */
  CAA_VALIDATION_METHOD: z
    .string()
    .trim()
    .regex(/^[a-z0-9-]+$/i, 'must be an ACME method name such as http-01')
    .default(platform.validationMethod),
  /** Labs and tests only: the DNS servers to query instead of the system's. */
  CHECKS_DNS_SERVERS: list(HostPortSchema),
  /** Labs and tests only: a PEM file of extra certificate authorities to trust. */
  CHECKS_EXTRA_CA_FILE: z.string().min(1).optional(),
  /** Labs and tests only: the port HTTPS is checked on instead of 443. */
  CHECKS_HTTPS_PORT: z.coerce.number().int().min(1).max(65535).default(443),
  /** Labs and tests only: the port plain HTTP redirects may use instead of 80. */
  CHECKS_HTTP_PORT: z.coerce.number().int().min(1).max(65535).default(80),
  /** Labs and tests only: networks exempt from the block on special-purpose addresses. */
  CHECKS_ALLOWED_NETWORKS: list(CidrSchema),
  /** Labs and tests only: a JSON file of CDN address ranges replacing the shipped one. */
  CHECKS_CDN_RANGES_FILE: z.string().min(1).optional(),
});

/** The checks' configuration, parsed from the environment. */
export type ChecksEnv = z.output<typeof ChecksEnvSchema>;

/** Parses the environment, or throws one error that names every bad variable. */
export function parseChecksEnv(env: Record<string, string | undefined> = process.env): ChecksEnv {
  const parsed = ChecksEnvSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`Invalid checks configuration in the environment:\n${problems.join('\n')}`);
  }
  return parsed.data;
}
