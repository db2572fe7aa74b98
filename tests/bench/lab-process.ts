/**
 * The lab in a process of its own, for the benchmark: remote servers do not
 * share the checker's CPU, so neither should the lab's. Prints one JSON line
 * (the environment and the scenario domains), then serves until stdin closes.
 */
import { startLab } from '../lab/index.ts';

const lab = await startLab({ httpsPort: 28443, httpPort: 28080 });
process.stdout.write(
  `${JSON.stringify({ env: lab.env, domains: Object.fromEntries(lab.scenarios.map((s) => [s.name, s.domain])) })}\n`,
);
process.stdin.resume();
process.stdin.once('end', () => void lab.stop().then(() => process.exit(0)));
