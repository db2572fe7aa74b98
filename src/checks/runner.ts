import type { Check, CheckContext, Finding } from './check.ts';
import { CHECK_SCOPED_CODES, findingDefinition, statusOf, type FindingCode } from './findings.ts';
import type { StepId } from './steps.ts';
import type { CheckId, CheckStatus, Evidence } from './types.ts';

/** One check's outcome as the runner produces it (the API adds the docs link). */
export interface RunResult {
  id: CheckId;
  step: StepId;
  status: CheckStatus;
  code: FindingCode;
  evidence: Evidence;
}

const BLOCKING: ReadonlySet<CheckStatus> = new Set(['fail', 'error', 'skipped']);

/**
 * Runs checks as soon as the checks they need have finished, so independent
 * checks run in parallel. A check whose prerequisite failed is skipped with the
 * reason; a check that throws becomes an `error` result (our fault, never the
 * reader's) instead of failing the report. `onResult` hears each result as it lands.
 */
export async function runChecks(
  checks: readonly Check[],
  context: CheckContext,
  onResult: (result: RunResult) => void = () => {},
  /** Results of an earlier stage that `needs` may name (they may still be landing). */
  earlier: ReadonlyMap<CheckId, Promise<RunResult>> = new Map(),
): Promise<RunResult[]> {
  const running = new Map<CheckId, Promise<RunResult>>(earlier);

  const start = (check: Check): Promise<RunResult> => {
    const existing = running.get(check.id);
    if (existing) return existing;
    const promise = (async () => {
      const prerequisites = await Promise.all(
        check.needs.map((id) => {
          const landing = running.get(id);
          if (landing) return landing;
          const needed = checks.find((candidate) => candidate.id === id);
          if (!needed) throw new Error(`Check "${check.id}" needs unknown check "${id}"`);
          return start(needed);
        }),
      );
      const blocker = check.judgesNeeds ? undefined : prerequisites.find((result) => BLOCKING.has(result.status));
      const finding: Finding = blocker
        ? { code: 'prerequisite_failed', evidence: { check: blocker.id, code: blocker.code } }
        : await runSafely(check, context, prerequisites);
      if (finding.dnsFacts) context.dnsFacts = finding.dnsFacts;
      if (finding.connection) context.connection = finding.connection;
      const result = toResult(check, finding);
      onResult(result);
      return result;
    })();
    running.set(check.id, promise);
    return promise;
  };

  return Promise.all(checks.map(start));
}

async function runSafely(check: Check, context: CheckContext, needed: readonly RunResult[]): Promise<Finding> {
  try {
    return await check.run(context, needed);
  } catch (error) {
    console.error(`[checks] "${check.id}" failed on ${context.domain}:`, error);
    return { code: 'check_error', evidence: { check: check.id } };
  }
}

function toResult(check: Check, finding: Finding): RunResult {
  const step = CHECK_SCOPED_CODES.has(finding.code) ? check.step : findingDefinition(finding.code).step;
  return { id: check.id, step, status: statusOf(finding.code), code: finding.code, evidence: finding.evidence ?? {} };
}
