/**
 * The lab in a process of its own, for the benchmark: remote servers do not
 * share the checker's CPU, so neither should the lab's. Prints one JSON line
 * (the environment and the scenario domains), then serves until stdin closes.
 */
import { startLab } from '../lab/index.ts';

// LAB_HTTPS_PORT / LAB_HTTP_PORT move the lab, so benchmarks of two checkouts can run side by side.
const lab = await startLab({
  httpsPort: Number(process.env.LAB_HTTPS_PORT ?? 28443),
  httpPort: Number(process.env.LAB_HTTP_PORT ?? 28080),
});
process.stdout.write(
  `${JSON.stringify({ env: lab.env, domains: Object.fromEntries(lab.scenarios.map((s) => [s.name, s.domain])) })}\n`,
);
process.stdin.resume();
process.stdin.once('end', () => void lab.stop().then(() => process.exit(0)));
