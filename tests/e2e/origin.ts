/** The port the end-to-end tests serve the built site on. */
export const E2E_PORT = Number(process.env.E2E_PORT ?? 4329);

/** The origin of the site under test. */
export const E2E_ORIGIN = `http://127.0.0.1:${E2E_PORT}`;
