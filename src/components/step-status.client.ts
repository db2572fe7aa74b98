import type { StepId } from '../checks/steps.ts';
import { stepState, subscribe } from './checks-store.client.ts';
import { STATE_SYMBOLS } from '../site/state-symbols.ts';
import { t } from './strings.client.ts';
import { fixFor, problemsOf, signatureOf } from './fix.client.ts';

/** Says `text` through the setup panel's live region (copy confirmations from a step's own fix). */
function announce(text: string) {
  const live = document.querySelector<HTMLElement>('tl-setup-panel [data-live]');
  if (live) live.textContent = text;
}

/**
 * `<tl-step-status data-step="…">`: a step's state under its heading, from
 * the same run as the setup panel, with each problem's title, what was found
 * and the fix (the same fix the panel shows), so the reader acts where they
 * read. Hidden until the reader checks a domain.
 */
class StepStatus extends HTMLElement {
  connectedCallback() {
    const step = this.dataset.step as StepId;
    const badge = this.querySelector<HTMLElement>('[data-badge]')!;
    const details = this.querySelector<HTMLElement>('[data-details]')!;
    subscribe((state) => {
      const problems = state.phase === 'idle' ? [] : problemsOf(state.results, step);
      const signature = signatureOf(problems);
      if (details.dataset.signature !== signature) {
        details.dataset.signature = signature;
        details.replaceChildren(...problems.map((result) => fixFor(result, state.domain, announce)));
      }
      const current = stepState(state, step);
      this.hidden = current === 'idle';
      badge.dataset.state = current;
      badge.querySelector('[data-icon]')!.textContent = STATE_SYMBOLS[current];
      const text = t(`tracklight.state.${current}`);
      badge.querySelector('[data-text]')!.textContent = text;
      badge.setAttribute('aria-label', t('tracklight.badge.label', { state: text }));
    });
  }
}

customElements.define('tl-step-status', StepStatus);
