import { common, inference, oip } from '@l1g1/contracts';
import type { ServiceError } from '@grpc/grpc-js';
import { createGrpcClient, fromServiceError } from '@l1g1/kit';
import type { SendFn } from '../harness';
import { ServerTimingStats } from './server-timing';
import { rawBytes, type Fp32Input } from './tensor-input';

export interface GrpcTargetOptions {
  /** host:port of the inference service. */
  address: string;
  model: string;
  input: Fp32Input;
  /**
   * gRPC channels (TCP connections) to spread calls over, round robin.
   * Default 1: HTTP/2 multiplexes all calls on one connection.
   */
  channels?: number;
  /** Per-call deadline. Default 30 s. */
  deadlineMs?: number;
  /**
   * Encode the request once and replay its bytes (as wrk replays a request):
   * measures the server without the client's protobuf encoding of large
   * tensors, which otherwise costs the shared CPUs more than the server does.
   */
  preEncoded?: boolean;
}

export interface GrpcTarget {
  send: SendFn;
  /** Queue / compute / batch size the server reported. */
  readonly timing: ServerTimingStats;
  close(): void;
}

interface Closable {
  close(): void;
}

/**
 * `channels` clients built by `make`. With more than one, each gets a local
 * subchannel pool: otherwise grpc-js shares one connection between clients
 * with equal options.
 */
function pool<C extends Closable>(options: GrpcTargetOptions, make: (clientOptions: Parameters<typeof createGrpcClient>[2]) => C): C[] {
  const n = Math.max(1, options.channels ?? 1);
  return Array.from({ length: n }, () =>
    make({
      defaultDeadlineMs: options.deadlineMs ?? 30_000,
      channelOptions: n > 1 ? { 'grpc.use_local_subchannel_pool': 1 } : {},
    }),
  );
}

/** `l1g1.inference.v1.InferenceService/Predict` with the tensor as raw bytes. */
export function createGrpcPredictTarget(options: GrpcTargetOptions): GrpcTarget {
  const clients = pool(options, (o) => createGrpcClient(inference.InferenceServiceClient, options.address, o));
  const { input } = options;
  const request: inference.PredictRequest = {
    model: { name: options.model, selector: { $case: 'alias', value: 'production' } },
    precision: common.Precision.PRECISION_FP32,
    inputs: [{ name: input.name, datatype: common.DataType.DATA_TYPE_FP32, shape: input.shape, rawData: rawBytes(input) }],
    outputNames: [],
    metadata: {},
    requestId: '',
  };
  const timing = new ServerTimingStats();
  let next = 0;
  const onAnswer = (resolve: () => void, reject: (e: unknown) => void) => (err: ServiceError | null, res?: inference.PredictResponse) => {
    if (err) return reject(fromServiceError(err));
    if (res?.timing) timing.add(res.timing.batchSize, res.timing.queueUs, res.timing.computeUs);
    resolve();
  };
  const encoded = Buffer.from(inference.PredictRequest.encode(request).finish());
  const path = inference.InferenceServiceService.predict.path;
  return {
    timing,
    send: () =>
      new Promise<void>((resolve, reject) => {
        const client = clients[next++ % clients.length]!;
        if (options.preEncoded) {
          client.makeUnaryRequest(path, (b: Buffer) => b, (b: Buffer) => inference.PredictResponse.decode(b), encoded, onAnswer(resolve, reject));
        } else {
          client.predict(request, onAnswer(resolve, reject));
        }
      }),
    close: () => clients.forEach((c) => c.close()),
  };
}

/** KServe OIP v2 `inference.GRPCInferenceService/ModelInfer` with `raw_input_contents`. */
export function createGrpcOipTarget(options: GrpcTargetOptions): GrpcTarget {
  const clients = pool(options, (o) => createGrpcClient(oip.GRPCInferenceServiceClient, options.address, o));
  const { input } = options;
  const request: oip.ModelInferRequest = {
    modelName: options.model,
    modelVersion: '',
    id: '',
    parameters: {},
    inputs: [{ name: input.name, datatype: 'FP32', shape: input.shape, parameters: {}, contents: undefined }],
    outputs: [],
    rawInputContents: [rawBytes(input)],
  };
  const timing = new ServerTimingStats();
  const int = (p: oip.InferParameter | undefined): number => (p?.parameterChoice?.$case === 'int64Param' ? p.parameterChoice.value : 0);
  let next = 0;
  return {
    timing,
    send: () =>
      new Promise<void>((resolve, reject) => {
        const client = clients[next++ % clients.length]!;
        client.modelInfer(request, (err, res) => {
          if (err) return reject(fromServiceError(err));
          const p = res.parameters;
          if (p['batch_size']) timing.add(int(p['batch_size']), int(p['queue_us']), int(p['compute_us']));
          resolve();
        });
      }),
    close: () => clients.forEach((c) => c.close()),
  };
}
