#!/usr/bin/env node
/**
 * `tracklight check <domain> [--json]`: the guide's live checks from a terminal,
 * on the same engine as the API. Exits 1 when a step fails, 2 on bad input.
 */
import { realpathSync } from 'node:fs';
import { domainToUnicode, fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import english from '../../content/i18n/en.json' with { type: 'json' };
import { parseChecksEnv } from '../checks/config.ts';
import { DomainSchema } from '../checks/domain.ts';
import { checkSignedOut, createChecker } from '../checks/engine.ts';
import type { CheckResult, Report } from '../checks/types.ts';
import type { SharedReport } from '../reports/report-store.ts';
import { guideUrl, siteUrl } from '../site/site.ts';
import { evidenceSentence, summarySentence, type Wording } from '../site/evidence-text.ts';
import { STATE_SYMBOLS } from '../site/state-symbols.ts';
import { findingTitleKey } from '../site/ui-strings.ts';

const USAGE = `Usage: tracklight check <domain> [--json] [--share]
       tracklight report <id or link> [--json]

check    checks which steps of HTTPS link tracking are done for a branded link
         domain, for example: tracklight check links.example.com
report   shows a report someone shared, for example from its permalink

Options:
  --json         print the report as JSON, exactly as the API returns it
  --share        also save the site's report for support and print its permalink
  --site <url>   the documentation site for --share and report (default: SITE_URL or http://localhost:4321)
  --help         show this help`;

/** English interface strings: the same titles, sentences and plural forms the guide's panel uses. */
const strings: Record<string, string> = english;
const wording: Wording = { strings, lang: 'en' };

/** Runs the CLI with `argv` (without node and script) and returns the exit code. */
export async function main(argv: string[], out = process.stdout, err = process.stderr): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        json: { type: 'boolean' },
        share: { type: 'boolean' },
        site: { type: 'string' },
        help: { type: 'boolean' },
      },
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
  const site = parsed.values.site ?? siteUrl();
  if (command === 'report' && input !== undefined && rest.length === 0)
    return showReport(site, input, Boolean(parsed.values.json), out, err);
  if (command !== 'check' || input === undefined || rest.length > 0) {
    err.write(`${USAGE}\n`);
    return 2;
  }
  const domain = DomainSchema.safeParse(input);
  if (!domain.success) {
    err.write(`${domain.error.issues[0]?.message}\n`);
    return 2;
  }

  let env;
  try {
    env = parseChecksEnv();
  } catch (error) {
    err.write(`${(error as Error).message}\n`);
    return 2;
  }
  const report = await checkSignedOut(createChecker({ env, guideUrl: guideUrl() }), domain.data);
  out.write(parsed.values.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
  if (parsed.values.share) {
    const shared = await fetch(new URL('/api/reports', site), {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        // The site accepts changes only from its own origin; the CLI speaks for the reader at the terminal.
        origin: new URL(site).origin,
        'user-agent': `tracklight-cli (${process.platform})`,
      },
      body: JSON.stringify({ domain: domain.data }),
      signal: AbortSignal.timeout(30_000),
    }).catch((error: Error) => error);
    if (shared instanceof Error || !shared.ok) {
      err.write(
        `The report could not be shared with ${site}: ${shared instanceof Error ? shared.message : `HTTP ${shared.status}`}\n`,
      );
      return 2;
    }
    out.write(`Shared: ${((await shared.json()) as { url: string }).url}\n`);
  }
  return report.checks.some((check) => check.status === 'fail' || check.status === 'error') ? 1 : 0;
}

/** `tracklight report <id or link>`: a shared report, read from the site. */
async function showReport(
  site: string,
  idOrLink: string,
  json: boolean,
  out: NodeJS.WritableStream,
  err: NodeJS.WritableStream,
): Promise<number> {
  const id = idOrLink.split('/').filter(Boolean).at(-1) ?? '';
  const base = /^https?:\/\//.test(idOrLink) ? new URL(idOrLink).origin : site;
  const response = await fetch(new URL(`/api/reports/${encodeURIComponent(id)}`, base), {
    signal: AbortSignal.timeout(30_000),
  }).catch((error: Error) => error);
  if (response instanceof Error || !response.ok) {
    err.write(response instanceof Error ? `${response.message}\n` : 'No such report: it may have expired.\n');
    return 2;
  }
  const saved = (await response.json()) as SharedReport;
  if (json) out.write(`${JSON.stringify(saved, null, 2)}\n`);
  else {
    out.write(`Shared report ${saved.id}, saved ${saved.createdAt}, kept until ${saved.expiresAt}\n`);
    out.write(
      `Browser: ${saved.client.browser} on ${saved.client.os}; guide: ${saved.guideVersion}, ${saved.locale}${saved.account ? `; account ${saved.account.id}` : ''}\n\n`,
    );
    out.write(formatReport(saved.report));
  }
  return 0;
}

/** The report as a reader-friendly text: one line per check, evidence and the fix's link under problems. */
export function formatReport(report: Report): string {
  const lines = [`Checks for ${report.domain} (${report.route} route, ${report.durationMs} ms)`, ''];
  for (const check of report.checks) {
    lines.push(
      `${STATE_SYMBOLS[check.status]} ${check.id}: ${strings[findingTitleKey(check.code)] ?? check.code} [${check.code}, ${strings[`tracklight.state.${check.status}`]?.toLowerCase()}]`,
    );
    if (check.status === 'fail' || check.status === 'warn' || check.status === 'error') {
      lines.push(`    ${evidenceSentence(wording, check, report.domain, domainToUnicode)}`);
      for (const [key, value] of Object.entries(check.evidence)) lines.push(`    ${key}: ${describe(value)}`);
      lines.push(`    fix: ${check.docs}`);
    }
  }
  const count = (statuses: string[]) => report.checks.filter((check: CheckResult) => statuses.includes(check.status));
  const failed = count(['fail', 'error']).length;
  const summary = summarySentence(wording, report.domain, {
    passed: count(['pass']).length,
    attention: count(['warn']).length,
    failed,
  });
  lines.push('', failed === 0 ? `${summary} No step fails.` : `${summary} Follow the links above to fix each one.`);
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
