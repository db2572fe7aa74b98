import type { APIRoute } from 'astro';

import { handleGetReport } from '../../reports/reports-api.ts';
import { appState } from '../app-state.ts';

/** `GET /api/reports/{id}`: a saved report as JSON, for support tooling. */
export const GET: APIRoute = ({ params }) => handleGetReport(appState().reports, params.id ?? '');
