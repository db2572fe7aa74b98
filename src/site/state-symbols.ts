import type { CheckStatus } from '../checks/types.ts';

/** A state as readers see it: a check's status, a step not checked yet or still being checked, or one ready for the reader to turn on. */
export type DisplayState = CheckStatus | 'idle' | 'checking' | 'ready';

/** The symbol shown beside each state, in the page and the CLI, so colour is never the only signal. */
export const STATE_SYMBOLS: Record<DisplayState, string> = {
  idle: '○',
  checking: '…',
  pass: '✓',
  warn: '!',
  fail: '✗',
  error: '✗',
  skipped: '–',
  pending: '…',
  ready: '→',
};
