import type { Check } from '../check.ts';
import brandedLinkDns from './branded-link-dns.ts';
import caa from './caa.ts';
import certificate from './certificate.ts';
import clickTracking from './click-tracking.ts';
import httpsEnabled from './https-enabled.ts';
import httpsProbe from './https-probe.ts';
import managedCertificate from './managed-certificate.ts';

/** Checks of the domain itself: run once per domain, their results shared by every reader. */
export const NETWORK_CHECKS: readonly Check[] = [brandedLinkDns, caa, certificate, httpsProbe];

/** Checks of the reader's account: run per reader, over the network checks' results. */
export const READER_CHECKS: readonly Check[] = [clickTracking, managedCertificate, httpsEnabled];

/** The ids of the reader checks: the account's steps, which a shared report keeps for its own domain only. */
export const READER_CHECK_IDS: ReadonlySet<string> = new Set(READER_CHECKS.map((check) => check.id));
