import type { APIRoute } from 'astro';

/** Liveness for load balancers and tests: answers 200 while the server can serve requests. */
export const GET: APIRoute = () => Response.json({ status: 'ok' }, { headers: { 'cache-control': 'no-store' } });
