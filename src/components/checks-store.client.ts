import { CHECK_IDS, CHECK_STEP, type CheckResult, type Report } from '../checks/types.ts';
import type { DisplayState } from '../site/state-symbols.ts';
import type { StepId } from '../checks/steps.ts';

/** What the page shows for one step. */
export type StepState = DisplayState;

/** Why a run produced no report. A refused run (`rate_limited`) keeps the last results when `kept` is true. */
export type RunProblem =
  | { kind: 'invalid'; reason: string }
  | { kind: 'rate_limited'; retryAfterSeconds: number; kept: boolean }
  | { kind: 'unreachable' };

/** Everything the views render from: one request, many views. */
export interface ChecksState {
  domain: string;
  phase: 'idle' | 'checking' | 'done' | 'problem';
  results: CheckResult[];
  report?: Report;
  problem?: RunProblem;
  /** How many checks a report holds, to show progress before the report is in. */
  total: number;
  /** `snapshot` while a saved report is shown as it was; `live` for the reader's own runs. */
  source: 'live' | 'snapshot';
}

type Listener = (state: ChecksState) => void;

const TOTAL_CHECKS = CHECK_IDS.length;
let state: ChecksState = { domain: '', phase: 'idle', results: [], total: TOTAL_CHECKS, source: 'live' };
const listeners = new Set<Listener>();
let current: AbortController | undefined;

function update(next: Partial<ChecksState>) {
  state = { ...state, ...next };
  for (const listener of listeners) listener(state);
}

/** Hears every change, starting with the current state. Returns a function that stops listening. */
export function subscribe(listener: Listener): () => void {
  listeners.add(listener);
  listener(state);
  return () => listeners.delete(listener);
}

/** The current state. */
export function getState(): ChecksState {
  return state;
}

/**
 * Checks `domain` through the streaming API, updating every view as each
 * check lands. A new run cancels the one in progress.
 */
export async function runChecks(endpoint: string, domain: string, { fresh = false } = {}): Promise<void> {
  current?.abort();
  const controller = new AbortController();
  current = controller;
  const previous = state;
  update({ domain, phase: 'checking', results: [], report: undefined, problem: undefined, source: 'live' });

  const url = new URL(endpoint, location.href);
  url.searchParams.set('domain', domain);
  if (fresh) url.searchParams.set('fresh', '1');
  try {
    const response = await fetch(url, { signal: controller.signal, headers: { accept: 'text/event-stream' } });
    if (!response.ok || !response.body) {
      const body = (await response.json().catch(() => ({}))) as {
        error?: { reason?: string; retryAfterSeconds?: number };
      };
      if (response.status === 400)
        return update({
          phase: 'problem',
          problem: { kind: 'invalid', reason: body.error?.reason ?? 'not_a_hostname' },
        });
      if (response.status === 429 || response.status === 503) {
        const retryAfterSeconds = Number(response.headers.get('retry-after')) || body.error?.retryAfterSeconds || 30;
        // Checking the same domain too often keeps its last results on screen instead of wiping every step.
        const kept = previous.domain === domain && previous.phase === 'done' && previous.report !== undefined;
        const problem = { kind: 'rate_limited', retryAfterSeconds, kept } as const;
        if (kept) return update({ ...previous, problem });
        return update({ phase: 'problem', problem });
      }
      return update({ phase: 'problem', problem: { kind: 'unreachable' } });
    }
    for await (const { event, data } of serverSentEvents(response.body)) {
      if (controller.signal.aborted) return;
      if (event === 'check') update({ results: [...state.results, JSON.parse(data) as CheckResult] });
      else if (event === 'report') {
        const report = JSON.parse(data) as Report;
        update({ phase: 'done', report, domain: report.domain, results: report.checks, total: report.checks.length });
      } else if (event === 'error') update({ phase: 'problem', problem: { kind: 'unreachable' } });
    }
    if (state.phase === 'checking' && !controller.signal.aborted)
      update({ phase: 'problem', problem: { kind: 'unreachable' } });
  } catch {
    if (!controller.signal.aborted) update({ phase: 'problem', problem: { kind: 'unreachable' } });
  }
}

/** Shows a saved report exactly as it was, until the reader runs the checks again. */
export function showSnapshot(report: Report): void {
  current?.abort();
  update({
    domain: report.domain,
    phase: 'done',
    report,
    results: report.checks,
    total: report.checks.length,
    problem: undefined,
    source: 'snapshot',
  });
}

/** The events of a Server-Sent Events body, parsed by `eventsource-parser`. */
async function* serverSentEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<{ event: string; data: string }> {
  // Loaded with the first check, not with the page: a reader who only reads never needs it.
  const { EventSourceParserStream } = await import('eventsource-parser/stream');
  // A reader loop rather than `for await`: Safari cannot iterate a ReadableStream.
  const reader = body
    .pipeThrough(new TextDecoderStream() as TransformStream<Uint8Array, string>)
    .pipeThrough(new EventSourceParserStream())
    .getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    yield { event: value.event ?? 'message', data: value.data };
  }
}

/** The state of one step: the worst of its checks so far, `checking` while any is still out. */
export function stepState(current: ChecksState, step: StepId): StepState {
  if (current.phase === 'idle' || current.phase === 'problem') return 'idle';
  const results = current.results.filter((result) => result.step === step);
  const relevant = results.filter((result) => result.code !== 'not_applicable');
  for (const status of ['error', 'fail', 'warn'] as const)
    if (relevant.some((result) => result.status === status)) return status;
  const expected = CHECK_IDS.filter((id) => CHECK_STEP[id] === step).length;
  if (current.phase === 'checking' && results.length < expected) return 'checking';
  if (results.length === 0) return 'idle';
  if (relevant.some((result) => result.code === 'https_ready')) return 'ready';
  if (relevant.some((result) => result.status === 'pending')) return 'pending';
  if (relevant.length > 0 && relevant.every((result) => result.status === 'skipped')) return 'skipped';
  return 'pass';
}
