/**
 * ArtifactInspector for ONNX, run in a short-lived CHILD PROCESS per upload:
 *   1. `inspectOnnxFile` walks the file (signature, external data refused,
 *      absurd dimensions refused) without loading it;
 *   2. onnxruntime loads the graph, so unknown ops, dangling inputs and type
 *      errors are refused at upload instead of at the first predict.
 * A process rather than a worker thread because it isolates what a hostile
 * model can do to the registry (a crash or a hang in native code, hundreds of
 * MiB of session memory) and can be killed outright on timeout; it also keeps
 * the registry's own RSS small whatever the artifact's size.
 *
 * Starting node and onnxruntime takes a good part of a second on a busy
 * machine, so one spare process is kept started and waiting: each check uses
 * the spare (one model per process, still) and a new spare is started behind it.
 */
import { errors, type Logger } from '@l1g1/kit';
import type { OnnxSignature } from '@l1g1/onnx';
import { spawn, type ChildProcess } from 'node:child_process';
import { basename, dirname } from 'node:path';
import type { ArtifactInspector, InspectedArtifact } from '../domain/ports';
import type { Signature } from '../domain/types';

/** Options of {@link createOnnxInspector}. */
export interface OnnxInspectorOptions {
  /** The check (walk + onnxruntime load) is killed and the upload refused after this long. */
  timeoutMs: number;
  logger: Logger;
}

/** What the child sends back over IPC. */
type ChildReply = { ok: true; signature: OnnxSignature } | { ok: false; invalid: boolean; message: string };

/** Stderr kept from the child for the log (onnxruntime's own warnings). */
const MAX_STDERR_BYTES = 8 * 1024;

// Evaluated as the child's program (`node -e`): no separate script file to
// locate, so it works from dist/ (node) and src/ (tsx in tests) alike. Module
// paths are resolved by the parent and passed in argv.
const CHILD_SOURCE = `
const [onnxModule, ortModule] = process.argv.slice(1);
const reply = (message) => process.send(message, () => process.exit(0));
const { inspectOnnxFile, InvalidOnnxError } = require(onnxModule);
const ort = require(ortModule);
// The parent going away (registry stopped) ends a waiting spare.
process.on('disconnect', () => process.exit(0));
process.once('message', ({ path }) => check(path));
async function check(path) {
  let signature;
  try {
    signature = inspectOnnxFile(path);
  } catch (err) {
    return reply({ ok: false, invalid: err instanceof InvalidOnnxError, message: String(err && err.message) });
  }
  try {
    // Loading is the check: graph optimisations (constant folding copies
    // weights) and the memory arena would only cost time and memory here.
    // Unknown ops, dangling inputs and type errors are still found when the
    // session resolves the graph and assigns kernels.
    const session = await ort.InferenceSession.create(path, {
      graphOptimizationLevel: 'disabled',
      enableCpuMemArena: false,
      enableMemPattern: false,
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      executionMode: 'sequential',
    });
    await session.release();
  } catch (err) {
    return reply({ ok: false, invalid: true, message: 'onnxruntime cannot load the model: ' + String(err && err.message) });
  }
  reply({ ok: true, signature });
}
`;

function toSignature(onnx: OnnxSignature): Signature {
  const spec = (t: OnnxSignature['inputs'][number]): Signature['inputs'][number] => ({
    name: t.name,
    datatype: t.datatype,
    shape: [...t.shape],
    dimNames: [...t.dimNames],
  });
  return { inputs: onnx.inputs.map(spec), outputs: onnx.outputs.map(spec) };
}

/**
 * onnxruntime's messages name the file it loaded and sometimes source paths
 * of its own build; none of that may reach a client.
 */
export function scrubHostPaths(message: string, localPath: string): string {
  return message
    .split(localPath)
    .join('<artifact>')
    .split(dirname(localPath))
    .join('<upload dir>')
    .split(basename(localPath))
    .join('<artifact>')
    .replace(/(?:[A-Za-z]:)?(?:[\\/][\w.@+-]+){2,}[\\/]?/g, '<path>')
    .slice(0, 2000);
}

/** The ONNX inspector (format `onnx`); `close` stops the waiting spare process. */
export function createOnnxInspector(options: OnnxInspectorOptions): ArtifactInspector & { close(): void } {
  const { timeoutMs, logger } = options;
  const onnxModule = require.resolve('@l1g1/onnx');
  const ortModule = require.resolve('onnxruntime-node');
  let spare: ChildProcess | undefined;
  let closed = false;

  function startChild(): ChildProcess {
    const child = spawn(process.execPath, ['-e', CHILD_SOURCE, onnxModule, ortModule], {
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      // spawn does not pass the parent's --import/--require hooks (tsx,
      // telemetry); NODE_OPTIONS would, so it is cleared.
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    // A waiting spare must not keep the registry process alive.
    child.unref();
    child.channel?.unref();
    // A spare that failed to start is replaced when it is taken (its 'close' rejects that check).
    child.once('error', () => undefined);
    return child;
  }

  function takeChild(): ChildProcess {
    const child = spare !== undefined && spare.exitCode === null && spare.signalCode === null ? spare : startChild();
    spare = closed ? undefined : startChild();
    child.ref();
    child.channel?.ref();
    return child;
  }

  function check(localPath: string, signal: AbortSignal): Promise<OnnxSignature> {
    return new Promise((resolve, reject) => {
      const child = takeChild();
      let stderr = '';
      child.stderr?.setEncoding('utf8');
      child.stderr?.on('data', (text: string) => {
        if (stderr.length < MAX_STDERR_BYTES) stderr += text.slice(0, MAX_STDERR_BYTES - stderr.length);
      });
      let settled = false;
      const finish = (outcome: () => void): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        outcome();
      };
      const timer = setTimeout(() => {
        finish(() =>
          reject(
            errors.invalidArgument(
              'chunk',
              `checking the model took longer than ${timeoutMs} ms (onnxruntime could not load it in time); nothing was stored`,
              { reason: 'VALIDATION_TIMEOUT' },
            ),
          ),
        );
      }, timeoutMs);
      const onAbort = (): void =>
        finish(() => reject(errors.cancelled('the upload was cancelled by the client; nothing was stored')));
      signal.addEventListener('abort', onAbort, { once: true });
      if (signal.aborted) onAbort();
      child.send({ path: localPath }, (err) => {
        if (!err) return;
        finish(() => {
          logger.error({ err, stderr }, 'could not hand the artifact to the ONNX check process');
          reject(errors.internal('the ONNX check could not start', { reason: 'VALIDATOR_FAILED' }));
        });
      });
      child.once('message', (reply: ChildReply) => {
        finish(() => {
          if (reply.ok) return resolve(reply.signature);
          if (reply.invalid) {
            return reject(
              errors.invalidArgument('chunk', scrubHostPaths(reply.message, localPath), { reason: 'INVALID_ONNX' }),
            );
          }
          logger.error({ detail: reply.message, stderr }, 'the ONNX check failed');
          reject(errors.internal('the ONNX check failed', { reason: 'VALIDATOR_FAILED' }));
        });
      });
      child.once('error', (err) => {
        finish(() => {
          logger.error({ err }, 'could not start the ONNX check');
          reject(errors.internal('the ONNX check could not start', { reason: 'VALIDATOR_FAILED' }));
        });
      });
      // 'close', not 'exit': by then every IPC message has been delivered.
      child.once('close', (code, killedBy) => {
        finish(() => {
          // Died without answering: native code crashed (or the OS killed it) on this model.
          logger.warn({ code, signal: killedBy, stderr }, 'the ONNX check process died while loading a model');
          reject(
            errors.invalidArgument('chunk', 'onnxruntime crashed while loading the model; nothing was stored', {
              reason: 'INVALID_ONNX',
            }),
          );
        });
      });
    });
  }

  return {
    close() {
      closed = true;
      spare?.kill('SIGKILL');
      spare = undefined;
    },
    formats: ['onnx'],
    async inspect(format, artifact, signal): Promise<InspectedArtifact> {
      if (format !== 'onnx') {
        throw errors.invalidArgument('header.format', `unsupported format "${format}"; supported: onnx`);
      }
      return { signature: toSignature(await check(artifact.localPath, signal)) };
    },
  };
}
