import type { Check } from '../check.ts';
import brandedLinkDns from './branded-link-dns.ts';
import caa from './caa.ts';
import certificate from './certificate.ts';
import clickTracking from './click-tracking.ts';
import httpsEnabled from './https-enabled.ts';
import httpsProbe from './https-probe.ts';

/** Every check, in the order a report lists them (the order of `CHECK_IDS`). */
export const ALL_CHECKS: readonly Check[] = [clickTracking, brandedLinkDns, caa, certificate, httpsProbe, httpsEnabled];
