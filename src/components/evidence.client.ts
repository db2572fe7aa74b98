import type { CheckResult } from '../checks/types.ts';
import { lang, t } from './strings.client.ts';

const ISO_DATE = /^\d{4}-\d{2}-\d{2}T/;

/** One evidence value as a reader reads it: lists joined, dates in their language. Plain text, never HTML. */
function format(value: unknown): string {
  if (Array.isArray(value)) return new Intl.ListFormat(lang(), { type: 'conjunction' }).format(value.map(format));
  if (typeof value === 'string' && ISO_DATE.test(value)) {
    return new Intl.DateTimeFormat(lang(), { dateStyle: 'long' }).format(new Date(value));
  }
  if (value === null || value === undefined) return '—';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** The sentence that says what a check found, e.g. "links.example.com points at old.example.net." */
export function evidenceSentence(result: CheckResult, domain: string): string {
  const evidence = result.evidence;
  const values: Record<string, string> = { domain };
  for (const [key, value] of Object.entries(evidence)) values[key] = format(value);
  if (typeof evidence.daysLeft === 'number') values.daysAgo = String(Math.abs(evidence.daysLeft));
  if (typeof evidence.limitBytes === 'number') values.limitKb = String(Math.round(evidence.limitBytes / 1024));
  if (Array.isArray(evidence.steps))
    values.steps = format(evidence.steps.map((step) => t(`tracklight.stepName.${String(step)}`)));
  // A finding that says why (caa_blocks_issuer's reason) has a sentence per reason.
  const reasonKey = `tracklight.evidence.${result.code}.${String(evidence.reason)}`;
  const sentence = typeof evidence.reason === 'string' ? t(reasonKey, values) : reasonKey;
  return sentence !== reasonKey ? sentence : t(`tracklight.evidence.${result.code}`, values);
}
