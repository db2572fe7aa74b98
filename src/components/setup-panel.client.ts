import { STEP_IDS, type StepId } from '../checks/steps.ts';
import type { CheckResult, Report } from '../checks/types.ts';
import { getState, runChecks, stepState, subscribe, type ChecksState, type StepState } from './checks-store.client.ts';
import { loadAccount, mountAccountActions } from './account.client.ts';
import { prepareDomain, readableDomain } from './evidence.client.ts';
import { fixFor, problemsOf, signatureOf, stepLink } from './fix.client.ts';
import { stepInSentence, summarySentence } from '../site/evidence-text.ts';
import { loadSharedReport, mountShare } from './share.client.ts';
import { STATE_SYMBOLS } from '../site/state-symbols.ts';
import { lang, t, wording } from './strings.client.ts';

const STORAGE_KEY = 'tracklight:last-domain';
/** Re-check delays after a failure: from about 10 s, doubling, at most 60 s. */
const BACKOFF_SECONDS = [10, 20, 40, 60];
/** Automatic re-checks stop this long after the first failure of a domain. */
const RECHECK_WINDOW_MS = 15 * 60_000;

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
  /** A shared report's page: its own re-run button (the one that shows what changed) is the only one. */
  #sharedReport = new URLSearchParams(location.search).has('report');

  connectedCallback() {
    this.#endpoint = this.dataset.endpoint ?? '/api/checks/stream';
    this.#form = this.querySelector('form')!;
    this.#input = this.querySelector('input')!;
    this.#error = this.querySelector('[data-error]')!;
    this.#live = this.querySelector('[data-live]')!;
    this.#progress = this.querySelector('progress')!;
    this.#meta = this.querySelector('[data-meta]')!;
    this.#recheck = this.querySelector('[data-recheck]')!;

    this.#form.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.#start(this.#input.value, { fresh: true, manual: true });
    });
    this.#recheck.addEventListener('click', () => void this.#start(getState().domain, { fresh: true, manual: true }));
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
    // The account, a link and the last check hold the ASCII form: show the name as its owner writes it.
    await prepareDomain(domain.toLowerCase()).catch(() => undefined);
    this.#input.value = readableDomain(domain);
    if (fromUrl && location.hash) keepLanding(location.hash.slice(1));
    // A deep link, or a signed-in reader arriving from the dashboard, gets the checks at once.
    if (fromUrl || fromAccount) void this.#start(domain, { fresh: false, manual: true });
  }

  async #start(domain: string, { fresh, manual }: { fresh: boolean; manual: boolean }) {
    this.#cancelTimer();
    if (manual) {
      this.#attempt = 0;
      this.#failingSince = 0;
    }
    const name = domain.trim();
    // The decoder first (only for an internationalised name), so the first sentences already read in Unicode.
    await prepareDomain(name.toLowerCase()).catch(() => undefined);
    void runChecks(this.#endpoint, name, { fresh });
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
    // A saved report has one re-run button of its own, the one that shows what changed.
    this.#recheck.hidden =
      state.phase === 'idle' ||
      state.phase === 'checking' ||
      problem?.kind === 'invalid' ||
      state.source === 'snapshot' ||
      this.#sharedReport;

    for (const step of STEP_IDS) this.#renderStep(step, stepState(state, step), state);

    if (state.phase === 'checking')
      this.#announce(t('tracklight.panel.checking', { domain: readableDomain(state.domain) }));
    if (state.phase === 'done' && state.report && state.report !== this.#lastReport && !problem)
      this.#onReport(state.report);
    this.#showFinish(state);
    if (problem?.kind === 'invalid') this.#announce(this.#error.textContent ?? '');
    if (problem?.kind === 'rate_limited') {
      const key = problem.kept ? 'tracklight.panel.rateLimitedKept' : 'tracklight.panel.rateLimited';
      this.#retryIn(problem.retryAfterSeconds, key);
      this.#announce(t(key, { seconds: problem.retryAfterSeconds }));
    }
    if (problem?.kind === 'unreachable') this.#retryIn(BACKOFF_SECONDS[0]!, 'tracklight.panel.unreachable');
  }

  #renderStep(step: StepId, state: StepState, current: ChecksState) {
    const item = this.querySelector<HTMLElement>(`[data-step="${step}"]`);
    if (!item) return;
    item.dataset.state = state;
    item.querySelector('[data-icon]')!.textContent = STATE_SYMBOLS[state];
    item.querySelector('[data-state-text]')!.textContent = t(`tracklight.state.${state}`);
    const details = item.querySelector<HTMLElement>('[data-details]')!;
    const problems = problemsOf(current.results, step);
    const signature = signatureOf(problems);
    if (details.dataset.signature === signature) return;
    details.dataset.signature = signature;
    details.replaceChildren(
      ...problems.map((result) => fixFor(result, current.domain, (text) => this.#announce(text))),
      ...(problems.length > 0 ? [stepLink(step)] : []),
    );
  }

  #onReport(report: Report) {
    this.#lastReport = report;
    // A saved report is shown as it was: no re-checks, and it is not the reader's own last domain.
    if (getState().source === 'snapshot') return;
    localStorage.setItem(STORAGE_KEY, report.domain);
    const count = (statuses: string[]) => report.checks.filter((check) => statuses.includes(check.status)).length;
    const failing = count(['fail', 'error']);
    const name = readableDomain(report.domain);
    this.#announce(
      failing === 0 && count(['warn']) === 0
        ? `${name}: ${t('tracklight.panel.done')}`
        : summarySentence(wording(), name, {
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

  /**
   * Signed out, once every check that can run without an account passes, says
   * where the last step is and how to get the signed link that unlocks it.
   */
  #showFinish(state: ChecksState) {
    const finish = this.querySelector<HTMLElement>('[data-finish]')!;
    const signedOut = this.querySelector<HTMLElement>('[data-account]')!.hidden;
    const report = state.phase === 'done' ? state.report : undefined;
    const allPass =
      report !== undefined &&
      report.checks.every((check) => check.status !== 'fail' && check.status !== 'error' && check.status !== 'warn');
    const show = signedOut && allPass && state.source === 'live';
    finish.hidden = !show;
    if (!show || finish.dataset.domain === report!.domain) return;
    finish.dataset.domain = report!.domain;
    const link = document.createElement('a');
    link.href = '#step-https';
    link.textContent = stepInSentence(wording(), 'https');
    const [before, after] = t('tracklight.panel.finishSignedOut', { step: '\u0000' }).split('\u0000');
    finish.replaceChildren(before ?? '', link, after ?? '');
    this.#announce(finish.textContent ?? '');
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
      void this.#start(getState().domain, { fresh: true, manual: false });
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

/**
 * A deep link lands on a step, and the results then open above it (fixes under
 * earlier steps): keep the step where the reader landed until they scroll or
 * act themselves, so the page does not move away under them.
 */
function keepLanding(id: string) {
  const target = document.getElementById(id);
  if (!target) return;
  const stop = () => {
    observer.disconnect();
    for (const type of ['wheel', 'touchstart', 'keydown', 'pointerdown'] as const) removeEventListener(type, stop);
  };
  const observer = new ResizeObserver(() => target.scrollIntoView({ block: 'start' }));
  observer.observe(document.body);
  for (const type of ['wheel', 'touchstart', 'keydown', 'pointerdown'] as const)
    addEventListener(type, stop, { once: true, passive: true });
  // The checks of one domain finish within their own deadline; nothing moves after that.
  setTimeout(stop, 30_000);
}

/**
 * Shows the route the checks found: the matching tabs of step 3, picked by the
 * keys the guide declares (`<TabKey id="cloudflare" />`), and a note that says
 * why. A domain whose route is unknown puts the tabs back on their first tab.
 */
function showRoute(report: Report) {
  const note = document.querySelector<HTMLElement>('[data-route-note]');
  const dns = report.checks.find((check) => check.id === 'branded-link-dns');
  if (report.route === 'unknown' || !dns) {
    if (note) note.hidden = true;
    resetTabs('tls-route');
    resetTabs('cdn');
    return;
  }
  const cdnId = String(dns.evidence.cdnId ?? '');
  selectTab('tls-route', report.route === 'proxied' ? 'cdn' : 'managed');
  if (report.route === 'proxied' && !selectTab('cdn', cdnId)) resetTabs('cdn');
  if (note) {
    note.hidden = false;
    note.textContent =
      report.route === 'proxied'
        ? t('tracklight.panel.routeProxied', { cdn: String(dns.evidence.cdn ?? 'CDN') })
        : t('tracklight.panel.routeDirect');
  }
}

/** The tab of the synced tabs `syncKey` whose panel declares `key`; undefined when none does. */
function tabFor(syncKey: string, key: string): HTMLElement | undefined {
  const tabs = document.querySelector(`starlight-tabs[data-sync-key="${syncKey}"]`);
  if (!tabs || !key) return undefined;
  for (const panel of tabs.querySelectorAll<HTMLElement>(':scope > [role="tabpanel"]')) {
    const marker = panel.querySelector(`[data-tab-key="${CSS.escape(key)}"]`);
    // A nested set of tabs has markers of its own: only this panel's own counts.
    if (marker?.closest('starlight-tabs') !== tabs) continue;
    const tab = document.getElementById(panel.getAttribute('aria-labelledby') ?? '');
    if (tab) return tab;
  }
  return undefined;
}

/** Selects the tab with `key` as a click by the reader would; false when the guide has no such tab. */
function selectTab(syncKey: string, key: string): boolean {
  const tab = tabFor(syncKey, key);
  if (!tab) return false;
  if (tab.getAttribute('aria-selected') !== 'true') click(tab);
  return true;
}

/** Puts synced tabs back on their first tab, so a previous domain's route does not linger. */
function resetTabs(syncKey: string) {
  const tab = document.querySelector<HTMLElement>(
    `starlight-tabs[data-sync-key="${syncKey}"] > .tablist-wrapper [role="tab"]`,
  );
  if (tab && tab.getAttribute('aria-selected') !== 'true') click(tab);
}

function click(tab: HTMLElement) {
  // Switching tabs must not move the reader's focus or scroll away from where they are.
  const focused = document.activeElement as HTMLElement | null;
  const { scrollX, scrollY } = window;
  tab.click();
  focused?.focus({ preventScroll: true });
  window.scrollTo(scrollX, scrollY);
}

customElements.define('tl-setup-panel', SetupPanel);
