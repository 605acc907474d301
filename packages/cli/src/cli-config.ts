/** Where the CLI finds the gateway and which key it presents; parsed once from the environment. */
export interface CliConfig {
  /** L1G1_GATEWAY_URL; default the address `npm start` prints. */
  gatewayUrl: string;
  /** L1G1_API_KEY (also L1G1_KEY, the name the README's first-start hint exports). */
  apiKey: string | undefined;
}

export function loadCliConfig(env: NodeJS.ProcessEnv): Readonly<CliConfig> {
  const raw = env['L1G1_GATEWAY_URL'] || 'http://127.0.0.1:8080';
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`L1G1_GATEWAY_URL: not a URL: ${JSON.stringify(raw)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`L1G1_GATEWAY_URL: must be http:// or https://, got ${JSON.stringify(raw)}`);
  return Object.freeze({ gatewayUrl: url.origin + url.pathname.replace(/\/$/, ''), apiKey: env['L1G1_API_KEY'] || env['L1G1_KEY'] || undefined });
}

/** A mistake in how the CLI was called: exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** The server refused or failed: exit code 1. */
export class ServerError extends Error {
  override name = 'ServerError';
  constructor(
    message: string,
    readonly status: number,
    readonly body: unknown,
  ) {
    super(message);
  }
}
