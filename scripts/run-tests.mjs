#!/usr/bin/env node
// `npm test` after the build: mocha with the repo's .mocharc.json (every
// spec). With file arguments (`npm test -- gateway/test/gateway.test.ts`)
// only those files run, with the same loader, telemetry setup and reporter.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const mocha = require.resolve('mocha/bin/mocha.js');
const files = process.argv.slice(2);
let args = [];
if (files.length > 0) {
  // A config's `spec` list would be run as well, so pass its settings instead.
  const rc = JSON.parse(readFileSync(new URL('../.mocharc.json', import.meta.url), 'utf8'));
  args = [
    '--no-config',
    ...rc['node-option'].flatMap((o) => ['--node-option', o]),
    ...rc.require.flatMap((r) => ['--require', r]),
    '--timeout', String(rc.timeout),
    '--reporter', rc.reporter,
    ...(rc.exit ? ['--exit'] : []),
    ...files,
  ];
}
const result = spawnSync(process.execPath, [mocha, ...args], { stdio: 'inherit' });
process.exit(result.status ?? 1);
