import type { Report } from '../checks/types.ts';
import type { SharedReport } from '../reports/report-store.ts';
import { getState, runChecks, showSnapshot, subscribe } from './checks-store.client.ts';
import { stepInSentence } from '../site/evidence-text.ts';
import { prepareDomain, readableDomain } from './evidence.client.ts';
import { lang, t, wording } from './strings.client.ts';

const dateTime = (iso: string) =>
  new Intl.DateTimeFormat(lang(), { dateStyle: 'long', timeStyle: 'short' }).format(new Date(iso));
const languageName = (code: string) => new Intl.DisplayNames([lang()], { type: 'language' }).of(code) ?? code;

/** "Share with support": saves the report the reader sees and shows its permalink, ready to copy. */
export function mountShare(panel: HTMLElement, announce: (text: string) => void) {
  const box = panel.querySelector<HTMLElement>('[data-share]')!;
  const button = box.querySelector<HTMLButtonElement>('[data-share-button]')!;
  const result = box.querySelector<HTMLElement>('[data-share-result]')!;
  const link = box.querySelector<HTMLInputElement>('[data-share-link]')!;
  const copy = box.querySelector<HTMLButtonElement>('[data-share-copy]')!;
  const status = box.querySelector<HTMLElement>('[data-share-status]')!;

  subscribe((state) => {
    box.hidden = !(state.phase === 'done' && state.source === 'live');
    if (state.phase !== 'done') result.hidden = true;
  });

  button.addEventListener('click', async () => {
    status.textContent = t('tracklight.share.working');
    const response = await fetch('/api/reports', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ domain: getState().domain, locale: lang() }),
    }).catch(() => undefined);
    if (!response?.ok) {
      status.textContent = t('tracklight.share.failed');
      announce(status.textContent);
      return;
    }
    const saved = (await response.json()) as { url: string; report: SharedReport };
    link.value = saved.url;
    status.textContent = t('tracklight.share.done', { date: dateTime(saved.report.expiresAt) });
    result.hidden = false;
    announce(status.textContent);
    link.select();
  });
  copy.addEventListener('click', () => {
    void navigator.clipboard?.writeText(link.value).then(() => announce(t('tracklight.fix.copied')));
  });
}

/**
 * `?report=<id>`: loads a saved report into the panel as it was, says when,
 * where and with what it was made, and offers to run the checks again to show
 * what changed since.
 */
export async function loadSharedReport(
  panel: HTMLElement,
  id: string,
  endpoint: string,
  announce: (text: string) => void,
) {
  const box = panel.querySelector<HTMLElement>('[data-snapshot]')!;
  box.hidden = false;
  const response = await fetch(`/api/reports/${encodeURIComponent(id)}`).catch(() => undefined);
  if (!response?.ok) {
    box.querySelector('[data-snapshot-title]')!.textContent = t('tracklight.report.notFound');
    box.querySelector<HTMLElement>('[data-snapshot-rerun]')!.hidden = true;
    announce(t('tracklight.report.notFound'));
    return;
  }
  const saved = (await response.json()) as SharedReport;
  const snapshot = saved.report;
  await prepareDomain(snapshot.domain).catch(() => undefined);
  const name = readableDomain(snapshot.domain);
  panel.querySelector<HTMLInputElement>('input[name="domain"]')!.value = name;
  box.querySelector('[data-snapshot-title]')!.textContent = t('tracklight.report.title', { domain: name });
  box.querySelector('[data-snapshot-meta]')!.textContent = [
    t('tracklight.report.meta', {
      date: dateTime(snapshot.checkedAt),
      browser: saved.client.browser,
      os: saved.client.os,
      locale: languageName(saved.locale),
    }),
    saved.account ? t('tracklight.report.account', { account: saved.account.id }) : '',
  ]
    .filter(Boolean)
    .join(' ');
  showSnapshot(snapshot);

  const changes = box.querySelector<HTMLElement>('[data-snapshot-changes]')!;
  box.querySelector<HTMLButtonElement>('[data-snapshot-rerun]')!.addEventListener('click', () => {
    const stop = subscribe((state) => {
      if (state.phase !== 'done' || state.source !== 'live' || !state.report) return;
      queueMicrotask(stop);
      renderChanges(changes, snapshot, state.report);
      announce(changes.textContent ?? '');
    });
    void runChecks(endpoint, snapshot.domain, { fresh: true });
  });
}

/** What is different now from the snapshot, step by step, as text. */
function renderChanges(target: HTMLElement, before: Report, after: Report) {
  const lines = after.checks
    .map((check) => ({ check, old: before.checks.find((entry) => entry.id === check.id) }))
    .filter(({ check, old }) => old && old.status !== check.status)
    .map(({ check, old }) =>
      t('tracklight.report.change', {
        step: `${stepInSentence(wording(), check.step)} (${t(`tracklight.finding.${check.code}`)})`,
        before: t(`tracklight.state.${old!.status}`),
        after: t(`tracklight.state.${check.status}`),
      }),
    );
  const heading = document.createElement('p');
  heading.textContent = lines.length > 0 ? t('tracklight.report.changes') : t('tracklight.report.noChanges');
  const list = document.createElement('ul');
  for (const line of lines) {
    const item = document.createElement('li');
    item.textContent = line;
    list.append(item);
  }
  target.replaceChildren(heading, ...(lines.length > 0 ? [list] : []));
}
