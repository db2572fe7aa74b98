import {
  CERTIFICATE_FAILURES,
  CERTIFICATE_STATES,
  type CertificateFailure,
  type CertificateState,
  type ManagedCertificate,
} from './directory.ts';

/** The certificate columns of a `branded_domains` row, in either database. */
export interface CertificateColumns {
  certificate_state: string | null;
  certificate_not_after: string | null;
  certificate_failure: string | null;
  certificate_detail: string | null;
}

/** The columns `getAccount` selects for a domain's managed certificate. */
export const CERTIFICATE_COLUMNS = 'certificate_state, certificate_not_after, certificate_failure, certificate_detail';

/** A row's managed certificate; undefined when the platform manages none (or the row holds an unknown state). */
export function certificateFromRow(row: CertificateColumns): ManagedCertificate | undefined {
  const state = row.certificate_state as CertificateState | null;
  if (!state || !CERTIFICATE_STATES.includes(state)) return undefined;
  const failure = row.certificate_failure as CertificateFailure | null;
  return {
    state,
    ...(row.certificate_not_after ? { notAfter: row.certificate_not_after } : {}),
    ...(failure && Object.hasOwn(CERTIFICATE_FAILURES, failure) ? { failure } : {}),
    ...(row.certificate_detail ? { detail: row.certificate_detail } : {}),
  };
}

/** The column values that store `certificate` (all null when there is none). */
export function certificateToRow(certificate: ManagedCertificate | undefined): (string | null)[] {
  return [
    certificate?.state ?? null,
    certificate?.notAfter ?? null,
    certificate?.failure ?? null,
    certificate?.detail ?? null,
  ];
}
