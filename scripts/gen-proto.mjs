#!/usr/bin/env node
// Regenerates packages/contracts/src/gen from proto/ with ts-proto.
// Usage: node scripts/gen-proto.mjs [outDir]   (tests pass a temporary outDir
// and compare it with the committed code, so a stale generation fails CI).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const outDir = resolve(process.argv[2] ?? join(root, 'packages/contracts/src/gen'));
const protoDir = join(root, 'proto');

function protoFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return protoFiles(p);
    return name.endsWith('.proto') ? [relative(protoDir, p)] : [];
  });
}

const protocPkg = dirname(require.resolve('protoc/package.json'));
const plugin = join(dirname(require.resolve('ts-proto/package.json')), 'protoc-gen-ts_proto');
const options = [
  'outputServices=grpc-js',
  'env=node',
  'esModuleInterop=true',
  'forceLong=number',
  'useDate=true',
  'oneof=unions-value',
  'useOptionals=none',
  'outputJsonMethods=true',
].join(',');

rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });
const files = protoFiles(protoDir).sort();
const result = spawnSync(
  process.execPath,
  [
    join(protocPkg, 'protoc.cjs'),
    `--plugin=protoc-gen-ts_proto=${plugin}`,
    `--ts_proto_out=${outDir}`,
    `--ts_proto_opt=${options}`,
    `-I${protoDir}`,
    `-I${join(protocPkg, 'include')}`,
    ...files,
  ],
  { stdio: 'inherit' },
);
if (result.status !== 0) {
  console.error('protoc failed');
  process.exit(result.status ?? 1);
}
console.log(`generated ${files.length} proto files into ${relative(root, outDir) || outDir}`);
