import * as http from 'node:http';
import { RequestFailure } from '../harness';

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** The smallest HTTP client surface the targets need. */
export interface HttpClient {
  request(method: 'GET' | 'POST', path: string, body?: Buffer, headers?: Record<string, string>): Promise<HttpResponse>;
  close(): void;
}

export type HttpClientKind = 'node-http' | 'fetch';

export interface HttpClientOptions {
  /** e.g. http://127.0.0.1:8080 */
  baseUrl: string;
  /** Sockets kept open (= the load's concurrency). */
  maxSockets: number;
  /** Per-request timeout. Default 30 s. */
  timeoutMs?: number;
}

/**
 * `http.request` over a keep-alive Agent holding `maxSockets` connections.
 * The faster of the two clients on Node 20 (see BENCHMARKS.md), so the
 * default: the load generator shares the CPUs with the servers it measures.
 */
export function createNodeHttpClient(options: HttpClientOptions): HttpClient {
  const url = new URL(options.baseUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.maxSockets, maxFreeSockets: options.maxSockets });
  const timeoutMs = options.timeoutMs ?? 30_000;
  return {
    request(method, path, body, headers = {}) {
      return new Promise((resolve, reject) => {
        const req = http.request(
          {
            agent,
            host: url.hostname,
            port: url.port || 80,
            method,
            path,
            headers: body ? { ...headers, 'content-length': String(body.length) } : headers,
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks) }));
            res.on('error', reject);
          },
        );
        req.setTimeout(timeoutMs, () => req.destroy(new RequestFailure('TIMEOUT', `no answer within ${timeoutMs} ms`)));
        req.on('error', reject);
        req.end(body);
      });
    },
    close: () => agent.destroy(),
  };
}

/** Node's built-in `fetch` (undici inside); kept to compare against `http.request`. */
export function createFetchClient(options: HttpClientOptions): HttpClient {
  const base = options.baseUrl.replace(/\/$/, '');
  const timeoutMs = options.timeoutMs ?? 30_000;
  return {
    async request(method, path, body, headers = {}) {
      const res = await fetch(base + path, { method, headers, body, signal: AbortSignal.timeout(timeoutMs) });
      const buf = Buffer.from(await res.arrayBuffer());
      const out: Record<string, string> = {};
      res.headers.forEach((v, k) => (out[k] = v));
      return { status: res.status, headers: out, body: buf };
    },
    close: () => undefined,
  };
}

export function createHttpClient(kind: HttpClientKind, options: HttpClientOptions): HttpClient {
  return kind === 'fetch' ? createFetchClient(options) : createNodeHttpClient(options);
}

/** A non-2xx answer as a failure counted under `HTTP_<status>`. */
export function checkStatus(res: HttpResponse): void {
  if (res.status >= 200 && res.status < 300) return;
  const text = res.body.toString('utf8', 0, Math.min(res.body.length, 300));
  throw new RequestFailure(`HTTP_${res.status}`, `HTTP ${res.status}: ${text}`);
}
