import { STEP_IDS, type StepId } from '../checks/steps.ts';
import type { CheckResult, Report } from '../checks/types.ts';
import { getState, runChecks, stepState, subscribe, type ChecksState, type StepState } from './checks-store.client.ts';
import { loadAccount, mountAccountActions } from './account.client.ts';
import { evidenceSentence } from './evidence.client.ts';
import { summarySentence } from '../site/evidence-text.ts';
import { loadSharedReport, mountShare } from './share.client.ts';
import { STATE_SYMBOLS } from '../site/state-symbols.ts';
import { lang, t, wording } from './strings.client.ts';

const STORAGE_KEY = 'tracklight:last-domain';
/** Re-check delays after a failure: from about 10 s, doubling, at most 60 s. */
const BACKOFF_SECONDS = [10, 20, 40, 60];
/** Automatic re-checks stop this long after the first failure of a domain. */
const RECHECK_WINDOW_MS = 15 * 60_000;
/** Codes a DNS record fixes: the panel shows that record, ready to copy. */
const RECORD_FIXES = new Set(['cname_missing', 'cname_wrong_target', 'doubled_name', 'nxdomain']);
/** Which tab of the guide's CDN tabs matches a CDN the checks recognised. */
const CDN_TABS: Record<string, number> = { cloudflare: 0, cloudfront: 1, fastly: 2 };

/**
 * `<tl-setup-panel>`: the guide's live checks. The reader enters a domain, the
 * checks stream in, and every step shows its state; failing steps say what was
 * found and how to fix it. After a failure the panel checks again by itself,
 * backing off, paused while the tab is hidden.
 */
class SetupPanel extends HTMLElement {
  #endpoint = '';
  #form!: HTMLFormElement;
  #input!: HTMLInputElement;
  #error!: HTMLElement;
  #live!: HTMLElement;
  #progress!: HTMLProgressElement;
  #meta!: HTMLElement;
  #recheck!: HTMLButtonElement;
  #timer: number | undefined;
  #tick: number | undefined;
  #nextAt = 0;
  #attempt = 0;
  #failingSince = 0;
  #lastReport: Report | undefined;
  #announced = '';

  connectedCallback() {
    this.#endpoint = this.dataset.endpoint ?? '/api/checks/stream';
    this.#form = this.querySelector('form')!;
    this.#input = this.querySelector('input')!;
    this.#error = this.querySelector('[data-error]')!;
    this.#live = this.querySelector('[data-live]')!;
    this.#progress = this.querySelector('progress')!;
    this.#meta = this.querySelector('[data-meta]')!;
    this.#recheck = this.querySelector('[data-recheck]')!;
    this.hidden = false;

    this.#form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.#start(this.#input.value, { fresh: true, manual: true });
    });
    this.#recheck.addEventListener('click', () => this.#start(getState().domain, { fresh: true, manual: true }));
    document.addEventListener('visibilitychange', () => this.#onVisibility());
    subscribe((state) => this.#render(state));

    void this.#prefill();
  }

  /** The domain to start with: `?domain=`, else the signed-in account's branded link, else the last one checked here. */
  async #prefill() {
    const params = new URLSearchParams(location.search);
    const signIn = params.get('signin');
    if (signIn) {
      const message = this.querySelector<HTMLElement>('[data-signin-message]')!;
      message.hidden = false;
      message.textContent = t(`tracklight.signin.${signIn}`);
      message.setAttribute('role', signIn === 'ok' ? 'status' : 'alert');
      // Said once: a reload or a shared link does not repeat it.
      const clean = new URL(location.href);
      clean.searchParams.delete('signin');
      history.replaceState(history.state, '', clean);
    }
    mountShare(this, (text) => this.#announce(text));
    const reportId = params.get('report');
    if (reportId) return loadSharedReport(this, reportId, this.#endpoint, (text) => this.#announce(text));

    const account = await loadAccount();
    if (account) mountAccountActions(this, this.#endpoint, account, (text) => this.#announce(text));
    else this.querySelector<HTMLElement>('[data-account-hint]')!.hidden = false;

    const fromUrl = params.get('domain');
    const fromAccount = account?.domains[0]?.domain;
    const remembered = localStorage.getItem(STORAGE_KEY);
    const domain = fromUrl ?? fromAccount ?? remembered;
    if (!domain) return;
    this.#input.value = domain;
    // A deep link, or a signed-in reader arriving from the dashboard, gets the checks at once.
    if (fromUrl || fromAccount) this.#start(domain, { fresh: false, manual: true });
  }

  #start(domain: string, { fresh, manual }: { fresh: boolean; manual: boolean }) {
    this.#cancelTimer();
    if (manual) {
      this.#attempt = 0;
      this.#failingSince = 0;
    }
    void runChecks(this.#endpoint, domain.trim(), { fresh });
  }

  #render(state: ChecksState) {
    const problem = state.problem;
    this.#error.hidden = problem?.kind !== 'invalid';
    this.#input.setAttribute('aria-invalid', String(problem?.kind === 'invalid'));
    if (problem?.kind === 'invalid') this.#error.textContent = t(`tracklight.invalid.${problem.reason}`);

    const done = state.results.length;
    this.#progress.hidden = state.phase !== 'checking';
    this.#progress.max = state.total;
    this.#progress.value = done;
    const progress = t('tracklight.panel.progress', { count: done, total: state.total });
    this.#progress.textContent = progress;
    this.#progress.setAttribute('aria-label', progress);
    this.#recheck.hidden = state.phase === 'idle' || state.phase === 'checking' || problem?.kind === 'invalid';

    for (const step of STEP_IDS) this.#renderStep(step, stepState(state, step), state);

    if (state.phase === 'checking') this.#announce(t('tracklight.panel.checking', { domain: state.domain }));
    if (state.phase === 'done' && state.report && state.report !== this.#lastReport) this.#onReport(state.report);
    if (problem?.kind === 'invalid') this.#announce(this.#error.textContent ?? '');
    if (problem?.kind === 'rate_limited') this.#retryIn(problem.retryAfterSeconds, 'tracklight.panel.rateLimited');
    if (problem?.kind === 'unreachable') this.#retryIn(BACKOFF_SECONDS[0]!, 'tracklight.panel.unreachable');
  }

  #renderStep(step: StepId, state: StepState, current: ChecksState) {
    const item = this.querySelector<HTMLElement>(`[data-step="${step}"]`);
    if (!item) return;
    item.dataset.state = state;
    item.querySelector('[data-icon]')!.textContent = STATE_SYMBOLS[state];
    item.querySelector('[data-state-text]')!.textContent = t(`tracklight.state.${state}`);
    const details = item.querySelector<HTMLElement>('[data-details]')!;
    const problems = current.results.filter(
      (result) =>
        result.step === step && (result.status === 'fail' || result.status === 'warn' || result.status === 'error'),
    );
    const signature = problems
      .map((result) => `${result.id}:${result.code}:${JSON.stringify(result.evidence)}`)
      .join('|');
    if (details.dataset.signature === signature) return;
    details.dataset.signature = signature;
    details.replaceChildren(...problems.map((result) => this.#fixFor(result, current.domain)));
  }

  /** What was found and how to fix it, for one problem. Remote values only ever become text. */
  #fixFor(result: CheckResult, domain: string): HTMLElement {
    const box = document.createElement('div');
    box.className = 'tl-fix';
    const title = document.createElement('p');
    title.className = 'tl-fix-title';
    title.textContent = t(`tracklight.finding.${result.code}`);
    const foundLabel = document.createElement('p');
    foundLabel.className = 'tl-fix-label';
    foundLabel.textContent = t('tracklight.fix.found');
    const found = document.createElement('p');
    found.textContent = evidenceSentence(result, domain);
    const howToLabel = document.createElement('p');
    howToLabel.className = 'tl-fix-label';
    howToLabel.textContent = t('tracklight.fix.howTo');
    box.append(title, foundLabel, found, howToLabel);

    const record = result.evidence.record as { name: string; label: string; type: string; target: string } | undefined;
    if (RECORD_FIXES.has(result.code) && record) box.append(this.#recordBlock(record));
    const anchor = new URL(result.docs).hash.slice(1);
    box.append(...guideEntry(anchor));
    const more = document.createElement('a');
    more.href = `#${anchor}`;
    more.textContent = t('tracklight.fix.readMore');
    box.append(more);
    return box;
  }

  #recordBlock(record: { name: string; label: string; type: string; target: string }): HTMLElement {
    const block = document.createElement('div');
    block.className = 'tl-record';
    const intro = document.createElement('p');
    intro.textContent = t('tracklight.fix.record');
    const table = document.createElement('table');
    const head = table.createTHead().insertRow();
    const body = table.createTBody().insertRow();
    const cells: [string, string][] = [
      [t('tracklight.dnsRecord.name'), record.label],
      [t('tracklight.dnsRecord.type'), record.type],
      [t('tracklight.dnsRecord.target'), record.target],
    ];
    for (const [label, value] of cells) {
      const th = document.createElement('th');
      th.scope = 'col';
      th.textContent = label;
      head.append(th);
      const code = document.createElement('code');
      code.textContent = value;
      body.insertCell().append(code);
    }
    const zoneLine = `${record.name}.  3600  IN  ${record.type}  ${record.target}.`;
    const line = document.createElement('code');
    line.className = 'tl-zone-line';
    line.textContent = zoneLine;
    const copy = document.createElement('button');
    copy.type = 'button';
    copy.className = 'tl-copy';
    copy.textContent = t('tracklight.fix.copy');
    copy.addEventListener('click', () => {
      void navigator.clipboard?.writeText(zoneLine).then(() => {
        copy.textContent = t('tracklight.fix.copied');
        this.#announce(t('tracklight.fix.copied'));
        setTimeout(() => (copy.textContent = t('tracklight.fix.copy')), 2000);
      });
    });
    block.append(intro, table, line, copy);
    return block;
  }

  #onReport(report: Report) {
    this.#lastReport = report;
    // A saved report is shown as it was: no re-checks, and it is not the reader's own last domain.
    if (getState().source === 'snapshot') return;
    localStorage.setItem(STORAGE_KEY, report.domain);
    const count = (statuses: string[]) => report.checks.filter((check) => statuses.includes(check.status)).length;
    const failing = count(['fail', 'error']);
    this.#announce(
      failing === 0 && count(['warn']) === 0
        ? `${report.domain}: ${t('tracklight.panel.done')}`
        : summarySentence(wording(), report.domain, {
            passed: count(['pass']),
            attention: count(['warn']),
            failed: failing,
          }),
    );
    showRoute(report);

    if (failing === 0) {
      this.#attempt = 0;
      this.#failingSince = 0;
      this.#setMeta(report, '');
      return;
    }
    this.#failingSince ||= Date.now();
    if (Date.now() - this.#failingSince > RECHECK_WINDOW_MS)
      return this.#setMeta(report, t('tracklight.panel.stopped'));
    const delay = BACKOFF_SECONDS[Math.min(this.#attempt, BACKOFF_SECONDS.length - 1)]!;
    this.#attempt += 1;
    this.#schedule(delay, () => this.#setMeta(report, this.#nextCheckText()));
  }

  #retryIn(seconds: number, key: string) {
    if (this.#timer !== undefined) return;
    this.#schedule(seconds, () => (this.#meta.textContent = t(key, { seconds: this.#secondsLeft() })));
  }

  /** Runs the checks again in `seconds`, refreshing the countdown text each second; waits while the tab is hidden. */
  #schedule(seconds: number, describe: () => void) {
    this.#cancelTimer();
    this.#nextAt = Date.now() + seconds * 1000;
    const due = () => {
      this.#cancelTimer();
      if (document.hidden) {
        this.#meta.textContent = t('tracklight.panel.paused');
        this.#nextAt = -1;
        return;
      }
      this.#start(getState().domain, { fresh: true, manual: false });
    };
    this.#timer = window.setTimeout(due, seconds * 1000);
    this.#tick = window.setInterval(describe, 1000);
    describe();
  }

  #onVisibility() {
    if (document.hidden && this.#timer !== undefined) {
      // Hidden tabs do not check: remember the time left and wait.
      const left = Math.max(1, this.#secondsLeft());
      this.#cancelTimer();
      this.#nextAt = -left;
      this.#meta.textContent = t('tracklight.panel.paused');
    } else if (!document.hidden && this.#nextAt < 0) {
      const left = -this.#nextAt;
      this.#schedule(left, () => this.#lastReport && this.#setMeta(this.#lastReport, this.#nextCheckText()));
    }
  }

  #secondsLeft() {
    return Math.max(0, Math.ceil((this.#nextAt - Date.now()) / 1000));
  }

  #nextCheckText() {
    return t('tracklight.panel.nextCheck', { seconds: this.#secondsLeft() });
  }

  #setMeta(report: Report, next: string) {
    const time = new Intl.DateTimeFormat(lang(), { timeStyle: 'medium' }).format(new Date(report.checkedAt));
    this.#meta.textContent = [t('tracklight.panel.lastChecked', { time }), next].filter(Boolean).join(' ');
  }

  #cancelTimer() {
    window.clearTimeout(this.#timer);
    window.clearInterval(this.#tick);
    this.#timer = undefined;
    this.#tick = undefined;
  }

  /** Says `text` once through the live region; repeating the same text stays silent. */
  #announce(text: string) {
    if (text === this.#announced) return;
    this.#announced = text;
    this.#live.textContent = text;
  }
}

/** The paragraphs of the guide's troubleshooting entry for `anchor`, copied: the fix is written once, in the guide. */
function guideEntry(anchor: string): Node[] {
  const heading = document.getElementById(anchor);
  if (!heading || heading.tagName !== 'H4') return [];
  const nodes: Node[] = [];
  // Starlight wraps headings with their anchor link in a div.
  let node = (heading.parentElement?.classList.contains('sl-heading-wrapper') ? heading.parentElement : heading)
    .nextElementSibling;
  while (node && !/^(H[1-4])$/.test(node.tagName) && !node.classList.contains('sl-heading-wrapper')) {
    const copy = node.cloneNode(true) as Element;
    copy.querySelectorAll('[id]').forEach((element) => element.removeAttribute('id'));
    nodes.push(copy);
    node = node.nextElementSibling;
  }
  return nodes;
}

/** Shows the route the checks found: the matching tab of step 3, and a note that says why. */
function showRoute(report: Report) {
  const note = document.querySelector<HTMLElement>('[data-route-note]');
  const dns = report.checks.find((check) => check.id === 'branded-link-dns');
  if (report.route === 'unknown' || !dns) {
    if (note) note.hidden = true;
    return;
  }
  const cdnId = String(dns.evidence.cdnId ?? '');
  selectTab('tls-route', report.route === 'proxied' ? 1 : 0);
  if (report.route === 'proxied' && cdnId in CDN_TABS) selectTab('cdn', CDN_TABS[cdnId]!);
  if (note) {
    note.hidden = false;
    note.textContent =
      report.route === 'proxied'
        ? t('tracklight.panel.routeProxied', { cdn: String(dns.evidence.cdn ?? 'CDN') })
        : t('tracklight.panel.routeDirect');
  }
}

/** Selects a tab of Starlight's synced tabs as a click by the reader would. */
function selectTab(syncKey: string, index: number) {
  const tabs = document.querySelector(`starlight-tabs[data-sync-key="${syncKey}"]`);
  const tab = tabs?.querySelectorAll<HTMLElement>('[role="tab"]')[index];
  if (!tab || tab.getAttribute('aria-selected') === 'true') return;
  // Switching tabs must not move the reader's focus or scroll away from where they are.
  const focused = document.activeElement as HTMLElement | null;
  const { scrollX, scrollY } = window;
  tab.click();
  focused?.focus({ preventScroll: true });
  window.scrollTo(scrollX, scrollY);
}

customElements.define('tl-setup-panel', SetupPanel);
