/**
 * `@l1g1/loadtest`: the load harness (closed and open loop) and its targets:
 * in-process onnxruntime-node, gRPC Predict / OIP ModelInfer, and the
 * gateway's REST routes. `bench-serve` and `cli` are its two programs.
 */
export * from './harness';
export * from './targets/tensor-input';
export * from './targets/server-timing';
export * from './targets/inproc-ort';
export * from './targets/grpc';
export * from './targets/http-client';
export * from './targets/rest';
