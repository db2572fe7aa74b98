import type { StepId } from '../checks/steps.ts';
import { stepState, subscribe } from './checks-store.client.ts';
import { STATE_SYMBOLS } from '../site/state-symbols.ts';
import { t } from './strings.client.ts';

/**
 * `<tl-step-status data-step="…">`: a step's state next to its heading, from
 * the same run as the setup panel. Hidden until the reader checks a domain.
 */
class StepStatus extends HTMLElement {
  connectedCallback() {
    const step = this.dataset.step as StepId;
    const badge = this.querySelector<HTMLElement>('[data-badge]')!;
    subscribe((state) => {
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
