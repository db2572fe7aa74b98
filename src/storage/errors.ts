/**
 * Thrown by a shared store when its database cannot be reached (refused, reset,
 * timed out, shutting down). The edge answers 503 for it: a store never turns
 * an outage into an answer such as "no session" or "nothing changed".
 */
export class StorageUnavailableError extends Error {
  constructor(cause: unknown) {
    super('The database cannot be reached', { cause });
    this.name = 'StorageUnavailableError';
  }
}

/** The configuration variables whose database can fail to open at start. */
export type StorageVariable = 'DATABASE_URL' | 'DATABASE_PATH';

/** Thrown at start when the configured database cannot be opened or migrated; the message names the variable. */
export class StorageStartError extends Error {
  readonly variable: StorageVariable;
  constructor(variable: StorageVariable, message: string, cause?: unknown) {
    super(`${variable}: ${message}`, { cause });
    this.name = 'StorageStartError';
    this.variable = variable;
  }
}
