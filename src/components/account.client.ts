import type { Account } from '../accounts/directory.ts';
import type { StepId } from '../checks/steps.ts';
import type { CheckResult } from '../checks/types.ts';
import { getState, runChecks, subscribe } from './checks-store.client.ts';
import { blockedSentence } from '../site/evidence-text.ts';
import { readableDomain } from './evidence.client.ts';
import { t, wording } from './strings.client.ts';

/** The signed-in reader's account, or undefined. */
export async function loadAccount(): Promise<Account | undefined> {
  try {
    const response = await fetch('/api/account', { headers: { accept: 'application/json' } });
    const body = (await response.json()) as { signedIn: boolean; account?: Account };
    return body.signedIn ? body.account : undefined;
  } catch {
    return undefined;
  }
}

/** Sends a change as JSON from this page (the API accepts nothing else); the parsed answer and its status. */
async function change(path: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json().catch(() => ({}))) as Record<string, unknown> };
}

/** What an action shows in a step's slot: built afresh for each slot, since a node lives in one place only. */
type Nodes = () => HTMLElement[];

/**
 * The reader's own actions: turn click tracking on (step 1), retry issuance of
 * the managed certificate (step 3) and turn HTTPS on (step 4), each with a
 * confirmation and, where it can be taken back, an undo. They appear both in
 * the setup panel and under the step's own heading, where the reader reads.
 */
export function mountAccountActions(
  panel: HTMLElement,
  endpoint: string,
  account: Account,
  announce: (text: string) => void,
) {
  const bar = panel.querySelector<HTMLElement>('[data-account]')!;
  bar.hidden = false;
  bar.querySelector('[data-account-name]')!.textContent = t('tracklight.account.signedInAs', { name: account.name });
  let signedIn = true;
  bar.querySelector<HTMLButtonElement>('[data-sign-out]')!.addEventListener('click', async () => {
    await change('/api/sign-out', {});
    signedIn = false;
    bar.hidden = true;
    notes.clear();
    // Signed out again, the reader is told again how to sign in and where the last step is.
    panel.querySelector<HTMLElement>('[data-account-hint]')!.hidden = false;
    panel.dispatchEvent(new CustomEvent('tl-signed-out'));
    announce(t('tracklight.account.signedOut'));
    void runChecks(endpoint, getState().domain);
  });

  /** Messages after an action stay until the next action, even as the checks re-render, for the domain they were about. */
  const notes = new Map<StepId, Nodes>();
  let notesDomain = '';
  const recheck = () => runChecks(endpoint, getState().domain);

  function actionsFor(step: StepId, results: CheckResult[]): Nodes {
    if (!signedIn) return () => [];
    // The findings a reader can act on themselves, whichever check reported them.
    const codes = new Set(results.filter((entry) => entry.step === step).map((entry) => entry.code));
    const domain = getState().domain;
    const retriable = results.some((entry) => entry.id === 'managed-certificate' && entry.evidence.retriable === true);
    if (step === 'tls' && retriable) {
      return () => [button(t('tracklight.certificate.retry'), () => retry(step, domain))];
    }
    if (codes.has('tracking_off')) {
      return () => [
        button(t('tracklight.account.turnOnTracking'), () =>
          act(
            step,
            '/api/account/click-tracking',
            { enabled: true },
            { enabled: false },
            t('tracklight.account.trackingTurnedOn'),
          ),
        ),
      ];
    }
    if (codes.has('https_ready')) {
      return () => [
        button(t('tracklight.account.turnOnHttps', { domain: readableDomain(domain) }), () =>
          act(
            step,
            '/api/account/https',
            { domain, enabled: true },
            { domain, enabled: false },
            t('tracklight.account.httpsTurnedOn'),
            domain,
          ),
        ),
      ];
    }
    return () => [];
  }

  async function act(
    step: StepId,
    path: string,
    body: unknown,
    undoBody: unknown,
    confirmation: string,
    httpsDomain?: string,
  ) {
    setNotes(step, () => [paragraph(t('tracklight.account.working'))]);
    const { status, body: answer } = await change(path, body);
    if (status === 200) {
      const undo = async () => {
        const reverted = await change(path, undoBody);
        const text = t(reverted.status === 200 ? 'tracklight.account.undone' : 'tracklight.account.failed');
        setNotes(step, () => [paragraph(text)]);
        announce(text);
        void recheck();
      };
      setNotes(step, () => [
        paragraph(confirmation),
        ...(httpsDomain ? [exampleLink(httpsDomain)] : []),
        button(t('tracklight.account.undo'), () => void undo()),
      ]);
      announce(confirmation);
    } else if (status === 409) {
      const failing = ((answer.error as { failing?: { step: StepId }[] })?.failing ?? []).map((entry) => entry.step);
      const text = blockedSentence(wording(), failing);
      setNotes(step, () => [paragraph(text)]);
      announce(text);
    } else {
      setNotes(step, () => [paragraph(t('tracklight.account.failed'))]);
      announce(t('tracklight.account.failed'));
    }
    void recheck();
  }

  /** Retry issuance of the domain's managed certificate: the platform's move, so no undo. */
  async function retry(step: StepId, domain: string) {
    setNotes(step, () => [paragraph(t('tracklight.account.working'))]);
    const { status, body: answer } = await change('/api/account/certificate', { domain });
    const text =
      status !== 200
        ? t('tracklight.account.failed')
        : answer.changed
          ? t('tracklight.certificate.retried')
          : t('tracklight.certificate.notRetried');
    setNotes(step, () => [paragraph(text)]);
    announce(text);
    void recheck();
  }

  function setNotes(step: StepId, nodes: Nodes) {
    notesDomain = getState().domain;
    notes.set(step, nodes);
    render();
  }

  function render() {
    const { results, phase, domain } = getState();
    // A note ("Undone", "HTTPS is on") is about one domain: checking another one drops it.
    if (domain !== notesDomain) notes.clear();
    for (const step of ['click-tracking', 'tls', 'https'] as const) {
      const actions = phase === 'done' ? actionsFor(step, results) : () => [];
      const note = notes.get(step);
      // One slot in the panel's list, one under the step's heading: each gets nodes of its own.
      for (const slot of document.querySelectorAll<HTMLElement>(`[data-step="${step}"] [data-actions]`)) {
        const wanted = [...(note?.() ?? []), ...actions()];
        // Rebuild only when something changed, so focus on a button is not lost on every update.
        const key = wanted.map((node) => node.textContent).join('|');
        if (slot.dataset.key === key) continue;
        slot.dataset.key = key;
        // The button just pressed goes away: keep the keyboard where it was rather than at the top of the page.
        const hadFocus = slot.contains(document.activeElement);
        slot.replaceChildren(...wanted);
        if (hadFocus) {
          const next = slot.querySelector<HTMLElement>('button') ?? slot;
          next.focus({ preventScroll: true });
        }
      }
    }
  }

  subscribe(render);
}

/** The shape of the reader's tracked links once HTTPS is on. */
function exampleLink(domain: string): HTMLElement {
  const example = document.createElement('code');
  example.className = 'tl-example-link';
  example.textContent = `https://${domain}/c/3f9a2b7e`;
  return example;
}

function button(label: string, onClick: () => void): HTMLButtonElement {
  const element = document.createElement('button');
  element.type = 'button';
  element.className = 'tl-action';
  element.textContent = label;
  element.addEventListener('click', onClick);
  return element;
}

function paragraph(text: string): HTMLParagraphElement {
  const element = document.createElement('p');
  element.textContent = text;
  return element;
}
