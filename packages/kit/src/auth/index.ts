/** API keys, scopes, principals, rate limits and service-to-service identity. */
export * from './scopes';
export * from './api-key';
export * from './principal';
export * from './key-store';
export * from './sqlite-key-store';
export * from './postgres-key-store';
export * from './key-store-open';
export * from './key-verifier';
export * from './token-buckets';
export * from './forwarded-principal';
export * from './internal-secret';
export * from './auth-config';
export * from './grpc-auth';
export * from './grpc-tls';
export * from './issue-api-key';
