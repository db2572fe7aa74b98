import { createServer } from 'node:net';

/**
 * Decides what a test file does when a server binary is missing: locally it
 * skips with a message saying so; with `CI=true` it fails, so CI never passes
 * by skipping. Returns whether the tests can run.
 */
export function requireBinary(what: string, found: string | undefined, install: string): found is string {
  if (found) return true;
  const message = `${what} not found: ${install}`;
  if (process.env.CI === 'true') throw new Error(`${message} (CI=true never skips these tests)`);
  console.warn(`SKIPPED: ${message}. These tests did not run.`);
  return false;
}

/** Whether nothing listens on 127.0.0.1:`port` right now. */
export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** Ports from `first` to `last`, starting at a random one so parallel test files rarely collide. */
export function portsToTry(first: number, last: number): number[] {
  const all = Array.from({ length: last - first + 1 }, (_, index) => first + index);
  const offset = Math.floor(Math.random() * all.length);
  return [...all.slice(offset), ...all.slice(0, offset)];
}
