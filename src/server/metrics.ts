import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

import type { CheckResult } from '../checks/types.ts';

/** The server's Prometheus metrics, in a registry of their own (no process-wide default registry). */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: 'tracklight_http_requests_total',
    help: 'HTTP requests answered, by route pattern, method and status.',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'tracklight_http_request_duration_seconds',
    help: 'Time to the response headers, by route pattern.',
    labelNames: ['route'] as const,
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 20],
    registers: [registry],
  });
  const checkDuration = new Histogram({
    name: 'tracklight_check_duration_seconds',
    help: 'Time from the start of a report to each network check’s verdict, by check.',
    labelNames: ['check'] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20],
    registers: [registry],
  });
  const findings = new Counter({
    name: 'tracklight_findings_total',
    help: 'Network check verdicts by check and finding code: the problems customers hit most.',
    labelNames: ['check', 'code'] as const,
    registers: [registry],
  });
  const refusals = new Counter({
    name: 'tracklight_rate_limit_refusals_total',
    help: 'Requests refused by a limit, by limit.',
    labelNames: ['limit'] as const,
    registers: [registry],
  });
  const running = new Gauge({
    name: 'tracklight_checks_running',
    help: 'Check runs in progress.',
    registers: [registry],
  });

  return {
    registry,
    /** Counts one answered request. */
    request(route: string, method: string, status: number, seconds: number) {
      requests.inc({ route, method, status });
      latency.observe({ route }, seconds);
    },
    /** Counts one network check's verdict, `seconds` after its report started. */
    check(result: CheckResult, seconds: number) {
      findings.inc({ check: result.id, code: result.code });
      checkDuration.observe({ check: result.id }, seconds);
    },
    /** Counts one refusal by `limit` (e.g. `checks_per_client`, `busy`). */
    refused(limit: string) {
      refusals.inc({ limit });
    },
    /** The number of runs in progress. */
    running(count: number) {
      running.set(count);
    },
  };
}

/** The server's metrics. */
export type Metrics = ReturnType<typeof createMetrics>;
