#!/usr/bin/env node
// `npm test` after the build: mocha with the repo's .mocharc.json. Extra
// arguments are passed through (e.g. a single spec file).
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const mocha = require.resolve('mocha/bin/mocha.js');
const result = spawnSync(process.execPath, [mocha, ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(result.status ?? 1);
