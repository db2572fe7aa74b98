/**
 * Runs the lab in the foreground for a demo: `node tests/lab/serve.ts` (as root
 * for ports 443/80, or with LAB_HTTPS_PORT/LAB_HTTP_PORT). Prints the environment
 * to start the site with, and the scenarios to try; Ctrl-C stops it.
 */
import { startLab } from './index.ts';

const port = (value: string | undefined) => (value ? Number(value) : undefined);
const lab = await startLab({ httpsPort: port(process.env.LAB_HTTPS_PORT), httpPort: port(process.env.LAB_HTTP_PORT) });

console.log('# Start the site with this environment:');
for (const [name, value] of Object.entries(lab.env)) console.log(`export ${name}=${value}`);
console.log('\n# Scenarios:');
for (const scenario of lab.scenarios) console.log(`${scenario.domain.padEnd(44)} ${scenario.description}`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void lab.stop().then(() => process.exit(0));
  });
}
