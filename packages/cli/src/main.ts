#!/usr/bin/env node
/** The `l1g1` command line: process wiring only; the work is in run-cli.ts. */
import { runCli } from './run-cli';

runCli(process.argv.slice(2), { env: process.env, stdout: process.stdout, stderr: process.stderr }).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`l1g1: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
