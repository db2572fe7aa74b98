/**
 * A server in a process of its own, for the server benchmark: `app` runs the
 * real production server (`startServer`), `bare` a bare `node:http` server that
 * answers every request with the same fixed bytes (the floor). Prints one JSON
 * line on file descriptor 3 when listening (standard output carries the
 * server's own logs); then reads commands on stdin: `gc` forces a collection
 * and reports the memory in use on fd 3.
 */
import { createWriteStream } from 'node:fs';
import { createServer } from 'node:http';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

import { startServer } from '../../src/server/serve.ts';

const [mode, port] = [process.argv[2], Number(process.argv[3])];
const control = createWriteStream('', { fd: 3 });

if (mode === 'app') {
  await startServer(process.env);
} else {
  // The bare floor: the bytes and headers to send come as base64 JSON in BARE_RESPONSE.
  const { body, headers } = JSON.parse(process.env.BARE_RESPONSE!) as { body: string; headers: Record<string, string> };
  const bytes = Buffer.from(body, 'base64');
  const server = createServer((_request, response) => {
    response.writeHead(200, { ...headers, 'content-length': bytes.length });
    response.end(bytes);
  });
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
}
control.write(`${JSON.stringify({ listening: port })}\n`);

for await (const line of createInterface({ input: process.stdin })) {
  if (line === 'gc') {
    // Collect, let finalizers and closed sockets' callbacks run, and collect again, until the heap settles.
    for (let round = 0; round < 3; round++) {
      globalThis.gc?.();
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const { heapUsed, rss } = process.memoryUsage();
    control.write(`${JSON.stringify({ heapUsed, rss })}\n`);
  }
}
process.exit(0);
