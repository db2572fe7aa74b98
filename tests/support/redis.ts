import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';

import { portIsFree, portsToTry, requireBinary } from './servers.ts';

/** Ports these tests may give Redis (`REDIS_TEST_PORTS=first-last` overrides). */
export const [FIRST_PORT, LAST_PORT] = (process.env.REDIS_TEST_PORTS ?? '56379-56389').split('-').map(Number) as [
  number,
  number,
];

/** Where `redis-server` is: `REDIS_SERVER` when set, else the PATH, else Debian's /usr/bin. */
export function findRedisServer(): string | undefined {
  if (process.env.REDIS_SERVER !== undefined)
    return existsSync(process.env.REDIS_SERVER) ? process.env.REDIS_SERVER : undefined;
  for (const dir of [...(process.env.PATH ?? '').split(':'), '/usr/bin']) {
    if (dir && existsSync(join(dir, 'redis-server'))) return join(dir, 'redis-server');
  }
  return undefined;
}

/** Whether Redis tests can run here; skips loudly without the binary, fails under `CI=true`. */
export function redisAvailable(): boolean {
  return requireBinary('redis-server', findRedisServer(), 'install Debian’s redis-server package');
}

/** A throwaway Redis on loopback: no persistence, gone when stopped. */
export interface TestRedis {
  readonly port: number;
  /** `redis://127.0.0.1:<port>`. */
  readonly url: string;
  /** Stops the server (to test an outage); `start()` brings up an empty one on the same port. */
  stop(): Promise<void>;
  start(): Promise<void>;
}

/** Sends one inline command and resolves to the first line of the reply (e.g. `+PONG`). */
export function redisCommand(port: number, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let reply = '';
    socket.setTimeout(2_000, () => socket.destroy(new Error('redis did not answer')));
    socket.once('error', reject);
    socket.on('data', (chunk) => {
      reply += chunk.toString('utf8');
      if (reply.includes('\r\n')) {
        socket.end();
        resolve(reply.split('\r\n')[0]!);
      }
    });
    socket.write(`${command}\r\n`);
  });
}

function launch(binary: string, port: number): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (output.includes('Ready to accept connections')) {
        child.stdout!.off('data', onData);
        child.stdout!.resume();
        child.stderr!.resume();
        resolve(child);
      }
    };
    child.stdout!.on('data', onData);
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}:\n${output.slice(-2000)}`)));
  });
}

function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** Starts `redis-server` on the first free port of this checkout's range, on 127.0.0.1 only. */
export async function startRedis(): Promise<TestRedis> {
  const binary = findRedisServer();
  if (!binary) throw new Error('redis-server not found');
  let child: ChildProcess | undefined;
  let port = 0;
  const failures: string[] = [];
  for (const candidate of portsToTry(FIRST_PORT, LAST_PORT)) {
    if (!(await portIsFree(candidate))) continue;
    try {
      child = await launch(binary, candidate);
      port = candidate;
      break;
    } catch (error) {
      failures.push(`${candidate}: ${(error as Error).message}`);
    }
  }
  if (!child) throw new Error(`no free port in ${FIRST_PORT}-${LAST_PORT} for Redis:\n${failures.join('\n')}`);
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      if (child) await terminate(child);
    },
    async start() {
      child = await launch(binary, port);
    },
  };
}
