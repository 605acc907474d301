/**
 * `npm run demo`: the whole chain in one command (issue 9 point 5).
 *
 *   npm run demo                                  # starts the suite in ./.l1g1-demo (kept: a second run replays)
 *   npm run demo -- --data-dir /tmp/x             # elsewhere
 *   npm run demo -- --url http://127.0.0.1:8080 --key $L1G1_KEY   # against a running suite (npm start)
 *
 * Prints each stage's time, the final metrics, the trace id and the lineage
 * record; exits 1 when a stage fails or the gate refuses.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { runDemo, DEFAULT_DEMO_OPTIONS } from './demo/demo-chain';
import { printDemoReport } from './demo/print-demo-report';
import { demoCorpus } from './demo/spam-corpus';
import { startDemoSuite, type DemoSuite } from './demo/start-demo-suite';
import { runningSuiteTargets, type DemoTargets } from './demo/demo-targets';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      url: { type: 'string' },
      key: { type: 'string' },
      'data-dir': { type: 'string' },
      every: { type: 'string' },
    },
  });
  const url = values.url ?? process.env['L1G1_GATEWAY_URL'];
  const every = values.every === undefined ? 1 : Number(values.every);
  if (!Number.isInteger(every) || every < 1 || every > 1000) {
    console.error('--every must be an integer in [1, 1000]');
    return 2;
  }
  const t0 = performance.now();
  let suite: DemoSuite | undefined;
  let targets: DemoTargets;
  if (url) {
    const key = values.key ?? process.env['L1G1_KEY'];
    if (!key) {
      console.error('--url needs an API key with the admin scope: --key KEY or L1G1_KEY');
      return 2;
    }
    targets = runningSuiteTargets(url, key, process.env);
    console.log(`L1G1 demo against ${targets.gatewayUrl}`);
  } else {
    const dataDir = resolve(values['data-dir'] ?? process.env['L1G1_DEMO_DATA_DIR'] ?? '.l1g1-demo');
    console.log(`L1G1 demo: starting the suite in process (data directory ${dataDir})`);
    suite = await startDemoSuite(dataDir);
    targets = suite.targets;
  }
  const startup = (performance.now() - t0) / 1000;
  console.log(`  ${'suite start'.padEnd(22)} ${startup.toFixed(2).padStart(7)} s`);
  try {
    const report = await runDemo(targets, demoCorpus(every), DEFAULT_DEMO_OPTIONS, (line) => console.log(line));
    printDemoReport(report, (performance.now() - t0) / 1000, (line) => console.log(line));
    return report.gate.passed && report.prediction.predicted === report.prediction.truth ? 0 : 1;
  } finally {
    await suite?.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`demo failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
