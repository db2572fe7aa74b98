import type { APIRoute } from 'astro';

import { handleShare } from '../../reports/reports-api.ts';
import { appState } from '../app-state.ts';
import { guideUrl, siteUrl } from '../../site/site.ts';
import { checksService } from '../checks-api.ts';
import { signedInAccount } from '../session-account.ts';

/** `POST /api/reports`: saves the current report for a domain and returns its permalink. */
export const POST: APIRoute = async ({ request, clientAddress, cookies }) => {
  const state = appState();
  return handleShare(
    request,
    clientAddress,
    {
      store: state.reports,
      checks: checksService(),
      limiter: state.shareLimiter,
      siteUrl: siteUrl(),
      guideUrl: guideUrl(),
    },
    await signedInAccount(cookies),
  );
};
