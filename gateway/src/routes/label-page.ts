/**
 * The annotation page (GET /label): one HTML file, one ES module and one
 * stylesheet from gateway/static/label, hand-written so nothing is built or
 * bundled. The page holds no data of its own: it asks for an API key, keeps
 * it in sessionStorage and calls the `/v1/labeling` routes with it, so the
 * files themselves are public. A strict Content-Security-Policy allows only
 * these same-origin files (no inline script or style), images from data: URLs
 * (task images arrive base64 in the task JSON) and fetches to this origin.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';

/** From src/routes (tests, tsx) and dist/routes alike, the files are two folders up. */
const STATIC_DIR = resolve(__dirname, '../../static/label');

export const LABEL_PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const FILES: readonly { url: string; file: string; type: string }[] = [
  { url: '/label', file: 'index.html', type: 'text/html; charset=utf-8' },
  { url: '/label/label-page.js', file: 'label-page.js', type: 'text/javascript; charset=utf-8' },
  { url: '/label/label-page.css', file: 'label-page.css', type: 'text/css; charset=utf-8' },
];

export function registerLabelPage(app: FastifyInstance, dir = STATIC_DIR): void {
  for (const { url, file, type } of FILES) {
    // Read once at start: three small files, and a missing one fails the start, not a request.
    const body = readFileSync(resolve(dir, file));
    app.get(url, { config: { scope: 'public' } }, async (_req, reply) =>
      reply
        .type(type)
        .header('content-security-policy', LABEL_PAGE_CSP)
        .header('x-content-type-options', 'nosniff')
        .header('referrer-policy', 'no-referrer')
        .header('cache-control', 'no-cache')
        .send(body),
    );
  }
}
