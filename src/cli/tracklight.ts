#!/usr/bin/env node
/**
 * `tracklight check <domain> [--json]`: the guide's live checks from a terminal,
 * on the same engine as the API. Exits 1 when a step fails, 2 on bad input.
 */
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { parseChecksEnv } from '../checks/config.ts';
import { parseDomainInput } from '../checks/domain.ts';
import { createChecker } from '../checks/engine.ts';
import type { CheckResult, Report } from '../checks/types.ts';
import { GUIDE_PATH } from '../site/site.ts';
import { STATE_SYMBOLS } from '../site/state-symbols.ts';
import { findingTitleKey } from '../site/ui-strings.ts';

const USAGE = `Usage: tracklight check <domain> [--json]

Checks which steps of HTTPS link tracking are done for a branded link domain,
for example: tracklight check links.example.com

Options:
  --json   print the report as JSON, exactly as the API returns it
  --help   show this help`;

/** English interface strings: the same titles and state words the guide's panel uses. */
const strings = JSON.parse(readFileSync(new URL('../../content/i18n/en.json', import.meta.url), 'utf8')) as Record<
  string,
  string
>;

/** Runs the CLI with `argv` (without node and script) and returns the exit code. */
export async function main(argv: string[], out = process.stdout, err = process.stderr): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { json: { type: 'boolean' }, help: { type: 'boolean' } },
    });
  } catch (error) {
    err.write(`${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  const [command, input, ...rest] = parsed.positionals;
  if (parsed.values.help) {
    out.write(`${USAGE}\n`);
    return 0;
  }
  if (command !== 'check' || input === undefined || rest.length > 0) {
    err.write(`${USAGE}\n`);
    return 2;
  }
  const domain = parseDomainInput(input);
  if (!domain.ok) {
    err.write(`${domain.message}\n`);
    return 2;
  }

  let env;
  try {
    env = parseChecksEnv();
  } catch (error) {
    err.write(`${(error as Error).message}\n`);
    return 2;
  }
  const guideUrl = new URL(GUIDE_PATH, process.env.SITE_URL ?? 'http://localhost:4321').href;
  const report = await createChecker({ env, guideUrl }).check(domain.domain);
  out.write(parsed.values.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
  return report.checks.some((check) => check.status === 'fail' || check.status === 'error') ? 1 : 0;
}

/** The report as a reader-friendly text: one line per check, evidence and the fix's link under problems. */
export function formatReport(report: Report): string {
  const lines = [`Checks for ${report.domain} (${report.route} route, ${report.durationMs} ms)`, ''];
  for (const check of report.checks) {
    lines.push(
      `${STATE_SYMBOLS[check.status]} ${check.id}: ${strings[findingTitleKey(check.code)] ?? check.code} [${check.code}, ${strings[`tracklight.state.${check.status}`]?.toLowerCase()}]`,
    );
    if (check.status === 'fail' || check.status === 'warn' || check.status === 'error') {
      for (const [key, value] of Object.entries(check.evidence)) lines.push(`    ${key}: ${describe(value)}`);
      lines.push(`    fix: ${check.docs}`);
    }
  }
  const failing = report.checks.filter((check: CheckResult) => check.status === 'fail' || check.status === 'error');
  lines.push('', failing.length === 0 ? 'No step fails.' : `${failing.length} check(s) fail: follow the links above.`);
  return `${lines.join('\n')}\n`;
}

function describe(value: unknown): string {
  // Evidence comes from remote servers: shown as JSON text, never interpreted.
  return typeof value === 'string' ? JSON.stringify(value).slice(1, -1) : JSON.stringify(value);
}

// Run when executed (directly or through the npm bin link), not when imported by tests.
if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2));
}
