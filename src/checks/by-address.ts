import type { Finding } from './check.ts';
import { findingDefinition } from './findings.ts';

/** Worst first: when addresses disagree, the report leads with the most serious finding. */
const SEVERITY_RANK = { fail: 0, warn: 1, info: 2, pass: 3 } as const;

/** One address's finding. */
export interface AddressFinding extends Finding {
  address: string;
  evidence: Record<string, unknown>;
}

/**
 * One finding for a name from the findings of each of its addresses: the worst
 * one, naming its address, and every address's code when they disagree.
 */
export function worstOfAddresses(findings: readonly AddressFinding[]): Finding {
  const sorted = [...findings].sort(
    (a, b) => SEVERITY_RANK[findingDefinition(a.code).severity] - SEVERITY_RANK[findingDefinition(b.code).severity],
  );
  const worst = sorted[0]!;
  const agree = sorted.every((finding) => finding.code === worst.code);
  return {
    code: worst.code,
    evidence: {
      ...worst.evidence,
      address: worst.address,
      ...(agree ? {} : { byAddress: findings.map(({ address, code }) => ({ address, code })) }),
    },
  };
}
