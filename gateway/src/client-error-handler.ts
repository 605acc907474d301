/**
 * Answers requests Node's HTTP parser refuses before fastify sees them (a
 * negative Content-Length, a broken request line, headers too large, a
 * request not received in time) in the `/v1` error dialect. fastify's default
 * answered `{"error":"Bad Request","message":"Client Error","statusCode":400}`,
 * a third shape no client of ours parses. The path is unknown here (the
 * request line may be what is broken), so the `/v1` shape is used.
 */
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { L1g1Error } from '@l1g1/kit';
import { errorBody } from './http-errors';

function refusal(code: string | undefined): { status: number; error: L1g1Error } {
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return { status: 408, error: new L1g1Error('DEADLINE_EXCEEDED', 'the request was not received in time', { reason: 'REQUEST_TIMEOUT' }) };
  }
  if (code === 'HPE_HEADER_OVERFLOW') {
    return { status: 431, error: new L1g1Error('INVALID_ARGUMENT', 'headers: the request headers are too large', { reason: 'HEADERS_TOO_LARGE', field: 'headers' }) };
  }
  return { status: 400, error: new L1g1Error('INVALID_ARGUMENT', 'the request is not valid HTTP/1.1 (request line, headers or body framing)', { reason: 'MALFORMED_REQUEST' }) };
}

/** fastify's `clientErrorHandler`: writes the answer and closes the connection. */
export function clientErrorHandler(err: Error & { code?: string }, socket: Socket): void {
  // A reset connection has nobody left to answer.
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const { status, error } = refusal(err.code);
  const body = JSON.stringify(errorBody(error));
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\nconnection: close\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
