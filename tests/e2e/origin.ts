/** The port the end-to-end tests serve the built site on. */
export const E2E_PORT = Number(process.env.E2E_PORT ?? 4329);

/** The origin of the site under test. */
export const E2E_ORIGIN = `http://127.0.0.1:${E2E_PORT}`;

/** The first of the ports tests may give servers they start beside the suite's (`E2E_SPARE_PORT` overrides). */
export const SPARE_PORT_BASE = Number(process.env.E2E_SPARE_PORT ?? E2E_PORT + 10);
