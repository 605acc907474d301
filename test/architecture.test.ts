/**
 * Package boundaries (STYLE.md): a service imports packages/*, never another
 * service or the gateway; domain code does no I/O of its own; and no
 * workspace has an import cycle. Checked from the sources, so a violation
 * fails CI instead of waiting for review.
 */
import { strict as assert } from 'node:assert';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(__dirname, '..');
const WORKSPACES = ['packages/contracts', 'packages/kit', 'packages/onnx', 'packages/launcher', 'services/model-registry', 'services/inference', 'gateway', 'loadtest'];
const SERVICE_PACKAGES = ['@l1g1/model-registry', '@l1g1/inference', '@l1g1/gateway'];

function sources(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) return n === 'gen' ? [] : sources(p);
    return n.endsWith('.ts') && !n.endsWith('.d.ts') ? [p] : [];
  });
}

function imports(file: string): string[] {
  return importsOf(readFileSync(file, 'utf8'));
}

/** Module specifiers a TypeScript source imports, re-exports or requires (type-only imports included). */
function importsOf(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+'([^']+)'/g)) out.push(m[1]!);
  for (const m of text.matchAll(/(?:import|require)\(\s*'([^']+)'\s*\)/g)) out.push(m[1]!);
  return out;
}

function resolveRelative(from: string, spec: string): string | undefined {
  const base = resolve(dirname(from), spec);
  for (const c of [`${base}.ts`, join(base, 'index.ts')]) if (existsSync(c)) return c;
  return undefined;
}

/** Folders beside `domain/` that are adapters of it: the domain must not import them. */
const ADAPTER_DIRS = ['adapters', 'worker', 'handlers'];
/** Runtimes that belong in adapters: model execution, threads, the wire. */
const ADAPTER_PACKAGES = /^(onnxruntime-node|onnxruntime-common|(node:)?worker_threads|@grpc\/grpc-js)$/;

/**
 * Why a domain file's imports break the layering (empty when they do not):
 * a domain file may import other domain files and shared packages, never an
 * adapter, a worker, a handler, or the runtimes those wrap.
 */
export function domainImportViolations(fileLabel: string, text: string): string[] {
  const out: string[] = [];
  for (const spec of importsOf(text)) {
    if (spec.startsWith('.') && spec.split('/').some((p) => ADAPTER_DIRS.includes(p))) out.push(`${fileLabel} imports ${spec} (domain -> adapter)`);
    if (ADAPTER_PACKAGES.test(spec)) out.push(`${fileLabel} imports ${spec} (runtime in domain code)`);
  }
  return out;
}

describe('architecture: package boundaries', () => {
  it('services and the gateway never import another service', () => {
    const violations: string[] = [];
    for (const ws of ['services/model-registry', 'services/inference', 'gateway']) {
      const own = JSON.parse(readFileSync(join(root, ws, 'package.json'), 'utf8')).name as string;
      for (const f of sources(join(root, ws, 'src'))) {
        for (const spec of imports(f)) {
          if (SERVICE_PACKAGES.includes(spec) && spec !== own) violations.push(`${relative(root, f)} imports ${spec}`);
          if (spec.startsWith('.') && !resolve(dirname(f), spec).startsWith(join(root, ws))) violations.push(`${relative(root, f)} reaches outside its workspace: ${spec}`);
        }
      }
    }
    assert.deepEqual(violations, []);
  });

  it('domain code does no I/O of its own and reads no environment', () => {
    const forbidden = /^(node:)?(fs|fs\/promises|net|http|http2|child_process)$|^@grpc\/grpc-js$|^better-sqlite3$|^fastify$/;
    const violations: string[] = [];
    for (const ws of ['services/model-registry', 'services/inference']) {
      for (const f of sources(join(root, ws, 'src', 'domain'))) {
        for (const spec of imports(f)) {
          if (forbidden.test(spec)) violations.push(`${relative(root, f)} imports ${spec}`);
        }
        if (/process\.env/.test(readFileSync(f, 'utf8'))) violations.push(`${relative(root, f)} reads process.env`);
      }
    }
    assert.deepEqual(violations, []);
  });

  it('the domain-import checker catches domain -> adapter/worker/handler imports and ORT/threads/gRPC in domain code', () => {
    const bad = [
      "import type { OrtRunner } from '../adapters/ort-runner';",
      "import { x } from '../worker/protocol';",
      "export { y } from '../handlers/oip-handlers';",
      "import * as ort from 'onnxruntime-node';",
      "import { Worker } from 'node:worker_threads';",
      "import { status } from '@grpc/grpc-js';",
      "const m = require('../adapters/metrics');",
    ];
    for (const line of bad) assert.equal(domainImportViolations('domain/x.ts', line).length, 1, line);
    const fine = [
      "import type { ModelRunner } from './ports';",
      "import { errors } from '@l1g1/kit';",
      "import { common } from '@l1g1/contracts';",
      "import { trace } from '@opentelemetry/api';",
      "import { z } from './adapters-like-name';",
    ];
    for (const line of fine) assert.deepEqual(domainImportViolations('domain/x.ts', line), [], line);
  });

  it('domain code imports no adapter, worker or handler, and no ORT, worker_threads or grpc-js', () => {
    const violations: string[] = [];
    for (const ws of ['services/model-registry', 'services/inference', 'gateway']) {
      for (const f of sources(join(root, ws, 'src', 'domain'))) {
        violations.push(...domainImportViolations(relative(root, f), readFileSync(f, 'utf8')));
      }
    }
    assert.deepEqual(violations, []);
  });

  it('no workspace has an import cycle', () => {
    const cycles: string[] = [];
    for (const ws of WORKSPACES) {
      const files = sources(join(root, ws, 'src'));
      const graph = new Map(files.map((f) => [f, imports(f).filter((s) => s.startsWith('.')).map((s) => resolveRelative(f, s)).filter((x): x is string => !!x)]));
      const state = new Map<string, 'visiting' | 'done'>();
      const stack: string[] = [];
      const visit = (f: string): void => {
        if (state.get(f) === 'done') return;
        if (state.get(f) === 'visiting') {
          cycles.push(stack.slice(stack.indexOf(f)).concat(f).map((p) => relative(root, p)).join(' -> '));
          return;
        }
        state.set(f, 'visiting');
        stack.push(f);
        for (const d of graph.get(f) ?? []) visit(d);
        stack.pop();
        state.set(f, 'done');
      };
      files.forEach(visit);
    }
    assert.deepEqual(cycles, []);
  });
});
