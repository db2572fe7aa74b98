/**
 * The lab in a process of its own, for the benchmark: remote servers do not
 * share the checker's CPU, so neither should the lab's. Prints one JSON line
 * (the environment and the scenario domains), then serves until stdin closes.
 */
import { startLab } from '../lab/index.ts';

// LAB_HTTPS_PORT and LAB_HTTP_PORT move the bench's lab, so two checkouts can benchmark side by side;
// LAB_LATENCY_MS adds that round trip to every DNS answer and TCP accept.
const port = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const lab = await startLab({
  httpsPort: port('LAB_HTTPS_PORT', 28443),
  httpPort: port('LAB_HTTP_PORT', 28080),
  latencyMs: port('LAB_LATENCY_MS', 0),
});
process.stdout.write(
  `${JSON.stringify({ env: lab.env, domains: Object.fromEntries(lab.scenarios.map((s) => [s.name, s.domain])) })}\n`,
);
process.stdin.resume();
process.stdin.once('end', () => void lab.stop().then(() => process.exit(0)));
