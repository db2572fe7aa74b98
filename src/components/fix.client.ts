import { CERTIFICATE_FAILURES, type CertificateFailure } from '../accounts/directory.ts';
import type { StepId } from '../checks/steps.ts';
import type { CheckResult } from '../checks/types.ts';
import { stepInSentence } from '../site/evidence-text.ts';
import { evidenceSentence } from './evidence.client.ts';
import { t, wording } from './strings.client.ts';

/** Codes a DNS record fixes: the fix shows that record, with its name and target to copy. */
const RECORD_FIXES = new Set(['cname_missing', 'cname_wrong_target', 'doubled_name', 'nxdomain']);
/** Codes where a wrong record already exists, so the reader edits it rather than adding another. */
const RECORD_EDITS = new Set(['cname_wrong_target', 'doubled_name']);
/** Codes of the managed certificate whose failure names whose move it is. */
const CERTIFICATE_FAILED = new Set(['managed_cert_renewal_failed', 'managed_cert_blocked', 'managed_cert_expired']);

/** A DNS record as the checks' evidence carries it. */
interface RecordEvidence {
  name: string;
  label: string;
  type: string;
  target: string;
}

/** The results of one step that need the reader's attention. */
export function problemsOf(results: readonly CheckResult[], step: StepId): CheckResult[] {
  return results.filter(
    (result) =>
      result.step === step && (result.status === 'fail' || result.status === 'warn' || result.status === 'error'),
  );
}

/** A string identifying what `problems` show, so views rebuild only when it changes. */
export function signatureOf(problems: readonly CheckResult[]): string {
  return problems.map((result) => `${result.id}:${result.code}:${JSON.stringify(result.evidence)}`).join('|');
}

/**
 * What was found and how to fix it, for one problem: the finding's title, the
 * evidence, the record to add or edit (name and target to copy one by one),
 * and the guide's own troubleshooting entry, so a fix is written once, in the
 * guide, and reads the same under the step heading and in the panel. Remote
 * values only ever become text.
 */
export function fixFor(result: CheckResult, domain: string, announce: (text: string) => void): HTMLElement {
  const box = document.createElement('div');
  box.className = 'tl-fix';
  box.dataset.code = result.code;
  box.append(
    paragraph(t(`tracklight.finding.${result.code}`), 'tl-fix-title'),
    paragraph(t('tracklight.fix.found'), 'tl-fix-label'),
    paragraph(evidenceSentence(result, domain)),
    paragraph(t('tracklight.fix.howTo'), 'tl-fix-label'),
  );

  const record = result.evidence.record as RecordEvidence | undefined;
  if (RECORD_FIXES.has(result.code) && record) box.append(recordBlock(record, RECORD_EDITS.has(result.code), announce));
  if (CERTIFICATE_FAILED.has(result.code)) box.append(certificateMove(result));
  const anchor = new URL(result.docs).hash.slice(1);
  const reason = typeof result.evidence.reason === 'string' ? result.evidence.reason : undefined;
  box.append(...guideEntry(anchor, reason));
  const more = document.createElement('a');
  more.href = `#${anchor}`;
  more.textContent = t('tracklight.fix.readMore');
  box.append(more);
  return box;
}

/** Whose move a failed managed certificate waits on: the reader's (with the fix to follow) or the platform's (retry). */
function certificateMove(result: CheckResult): HTMLElement {
  const failure = String(result.evidence.failure ?? 'issuer_error') as CertificateFailure;
  const known = Object.hasOwn(CERTIFICATE_FAILURES, failure) ? CERTIFICATE_FAILURES[failure] : undefined;
  const note = document.createElement('p');
  note.className = 'tl-move';
  if (known && 'fix' in known) {
    const [before, after] = t('tracklight.certificate.yourMove', { fix: '\u0000' }).split('\u0000');
    const link = document.createElement('a');
    link.href = `#${known.fix.replaceAll('_', '-')}`;
    link.textContent = t(`tracklight.finding.${known.fix}`);
    note.append(before ?? '', link, after ?? '');
  } else {
    note.textContent = t('tracklight.certificate.ourMove');
  }
  return note;
}

/** The record to add (or edit), as a table for DNS forms, with the name and the target each copied on its own. */
function recordBlock(record: RecordEvidence, edit: boolean, announce: (text: string) => void): HTMLElement {
  const block = document.createElement('div');
  block.className = 'tl-record';
  const intro = paragraph(t(edit ? 'tracklight.fix.recordEdit' : 'tracklight.fix.recordAdd'));
  const list = document.createElement('dl');
  const entries: [string, string, string | undefined][] = [
    [t('tracklight.dnsRecord.name'), record.label, 'tracklight.fix.copyName'],
    [t('tracklight.dnsRecord.type'), record.type, undefined],
    [t('tracklight.dnsRecord.target'), record.target, 'tracklight.fix.copyTarget'],
  ];
  for (const [label, value, copyKey] of entries) {
    const row = document.createElement('div');
    const term = document.createElement('dt');
    term.textContent = label;
    const detail = document.createElement('dd');
    const code = document.createElement('code');
    code.textContent = value;
    detail.append(code);
    if (copyKey) detail.append(copyButton(t(copyKey), value, announce));
    row.append(term, detail);
    list.append(row);
  }
  const zoneLine = `${record.name}.  3600  IN  ${record.type}  ${record.target}.`;
  const line = document.createElement('code');
  line.className = 'tl-zone-line';
  line.textContent = zoneLine;
  block.append(intro, list, line, copyButton(t('tracklight.fix.copyZone'), zoneLine, announce));
  return block;
}

function copyButton(label: string, value: string, announce: (text: string) => void): HTMLButtonElement {
  const copy = document.createElement('button');
  copy.type = 'button';
  copy.className = 'tl-copy';
  copy.textContent = label;
  copy.addEventListener('click', () => {
    void navigator.clipboard?.writeText(value).then(() => {
      copy.textContent = t('tracklight.fix.copied');
      announce(t('tracklight.fix.copied'));
      setTimeout(() => (copy.textContent = label), 2000);
    });
  });
  return copy;
}

/** A link down to a step of the guide, named as steps are named inside sentences. */
export function stepLink(step: StepId): HTMLAnchorElement {
  const link = document.createElement('a');
  link.href = `#step-${step}`;
  link.className = 'tl-step-link';
  link.textContent = t('tracklight.fix.goToStep', { step: stepInSentence(wording(), step) });
  return link;
}

function paragraph(text: string, className?: string): HTMLParagraphElement {
  const element = document.createElement('p');
  if (className) element.className = className;
  element.textContent = text;
  return element;
}

/**
 * The paragraphs of the guide's troubleshooting entry for `anchor`, copied: the
 * fix is written once, in the guide. When the finding has a `reason`, a list of
 * reasons in the entry keeps only the reader's own item.
 */
function guideEntry(anchor: string, reason?: string): Element[] {
  const heading = document.getElementById(anchor);
  if (!heading || heading.tagName !== 'H4') return [];
  const nodes: Element[] = [];
  // Starlight wraps headings with their anchor link in a div.
  let node = (heading.parentElement?.classList.contains('sl-heading-wrapper') ? heading.parentElement : heading)
    .nextElementSibling;
  while (node && !/^(H[1-4])$/.test(node.tagName) && !node.classList.contains('sl-heading-wrapper')) {
    const copy = node.cloneNode(true) as Element;
    copy.querySelectorAll('[id]').forEach((element) => element.removeAttribute('id'));
    nodes.push(copy);
    node = node.nextElementSibling;
  }
  if (reason) for (const list of nodes.filter((each) => each.matches('ul, ol'))) keepReason(list, reason);
  return nodes;
}

/**
 * In a list whose every item starts with a reason's code (`` `not_listed`: the
 * records allow… ``, as the guide writes them), removes every item but the one
 * for `reason`. Any other list is left whole.
 */
function keepReason(list: Element, reason: string) {
  const codeOf = (item: Element) => {
    const first = item.firstElementChild;
    const text = first?.tagName === 'CODE' ? (first.textContent ?? '') : '';
    return text && (item.textContent ?? '').trimStart().startsWith(text) ? text : undefined;
  };
  const items = [...list.children];
  if (!items.every(codeOf) || !items.some((item) => codeOf(item) === reason)) return;
  for (const item of items) if (codeOf(item) !== reason) item.remove();
}
