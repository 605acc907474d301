import { request, type Agent, type IncomingHttpHeaders } from 'node:http';

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  /** Parsed JSON body (undefined when not JSON). */
  // Bodies are asserted field by field; typing each shape adds nothing.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
  /** The answer came on a keep-alive socket used before (the connection survived). */
  reusedSocket: boolean;
}

export interface HeldRequest {
  /** Settles when the status line and body arrive (possibly before our body is complete). */
  response: Promise<RawResponse>;
  /** Resolves once the headers have been answered with a status (no body needed). */
  headers: Promise<number>;
  /** Sends more of the body. */
  write(chunk: string | Buffer): void;
  /** Ends the body. */
  end(chunk?: string | Buffer): void;
  /** Drops the connection (a client that went away). */
  destroy(): void;
}

/**
 * An HTTP request whose body is sent by the test, piece by piece, or never
 * finished: what `fetch` cannot do, and what shows whether the server
 * answered before reading the body.
 */
export function heldRequest(
  baseUrl: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  options: { agent?: Agent } = {},
): HeldRequest {
  const url = new URL(path, baseUrl);
  const req = request({ host: url.hostname, port: url.port, method, path: url.pathname + url.search, headers, agent: options.agent ?? false });
  let gotHeaders!: (status: number) => void;
  const headersPromise = new Promise<number>((resolve) => (gotHeaders = resolve));
  const response = new Promise<RawResponse>((resolve, reject) => {
    req.on('response', (res) => {
      gotHeaders(res.statusCode ?? 0);
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = text ? JSON.parse(text) : undefined;
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json, reusedSocket: req.reusedSocket });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
  });
  // A held request is often destroyed on purpose; that is not a test failure.
  response.catch(() => undefined);
  req.flushHeaders();
  return {
    response,
    headers: headersPromise,
    write: (chunk) => void req.write(chunk),
    end: (chunk) => void req.end(chunk),
    destroy: () => req.destroy(),
  };
}

/** Rejects with `what` when `p` has not settled within `ms` (a bound on waiting, not a timing assertion). */
export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} (no answer within ${ms} ms)`)), ms);
    }),
  ]);
}

/** Polls `check` every 50 ms until it returns true; fails with `what` after `ms`. */
export async function until(what: string, check: () => Promise<boolean>, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} within ${ms} ms`);
}
