/** Writing answers and reading request bodies, with the limits every request shares. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, badRequest, errorBody } from './api-error.js';

/** A channel definition is a few hundred bytes; anything near this limit is a mistake or an attack. */
export const maxBodyBytes = 64 * 1024;

const commonHeaders = {
  // Answers describe live state: a cached copy is wrong a second later.
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
} as const;

export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    ...commonHeaders,
    ...headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}

export function sendText(response: ServerResponse, status: number, contentType: string, body: string): void {
  response.writeHead(status, {
    ...commonHeaders,
    'content-type': contentType,
    'content-length': Buffer.byteLength(body),
  });
  response.end(body);
}

export function sendEmpty(response: ServerResponse, status: number): void {
  response.writeHead(status, commonHeaders);
  response.end();
}

export function sendError(response: ServerResponse, error: ApiError): void {
  sendJson(response, error.status, errorBody(error), error.headers);
}

function tooLarge(): ApiError {
  // Closing the connection stops a client that keeps sending; the rest of its body is not read.
  return new ApiError(413, 'PAYLOAD_TOO_LARGE', `request body is larger than ${maxBodyBytes} bytes`, {
    connection: 'close',
  });
}

function notJson(contentType: string | undefined): ApiError {
  const got = contentType === undefined ? 'none' : contentType;
  return new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', `expected content-type application/json, got ${got}`);
}

const jsonContentType = /^application\/([\w.+-]+\+)?json\s*(;|$)/i;

function readBodyBytes(request: IncomingMessage, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let receivedBytes = 0;
    // A client that trickles its body would hold the request (and its memory) open: it gets 408 instead.
    const timer = setTimeout(() => {
      cleanup();
      reject(
        new ApiError(408, 'REQUEST_TIMEOUT', `request body not received within ${timeoutMs} ms`, {
          connection: 'close',
        }),
      );
    }, timeoutMs);
    const cleanup = (): void => {
      clearTimeout(timer);
      request.off('data', onData);
      request.off('end', onEnd);
      request.off('error', onError);
      request.off('close', onClose);
    };
    const onData = (chunk: Buffer): void => {
      receivedBytes += chunk.length;
      if (receivedBytes <= maxBodyBytes) {
        chunks.push(chunk);
        return;
      }
      // Not destroying the request: the socket must stay open long enough to carry the 413.
      cleanup();
      reject(tooLarge());
    };
    const onEnd = (): void => {
      cleanup();
      resolve(Buffer.concat(chunks));
    };
    const onError = (error: Error): void => {
      cleanup();
      reject(error);
    };
    const onClose = (): void => {
      cleanup();
      reject(badRequest('request body ended early'));
    };
    request.on('data', onData);
    request.on('end', onEnd);
    request.on('error', onError);
    request.on('close', onClose);
  });
}

/**
 * Reads the body as JSON. An empty body gives `undefined` (the handler decides whether that is allowed).
 * Fails with 413 past `maxBodyBytes`, 415 for a body that is not declared application/json (checked before
 * reading when the header says otherwise), 408 when the body takes longer than `timeoutMs`, 400 for
 * malformed JSON.
 */
export async function readJsonBody(request: IncomingMessage, timeoutMs: number): Promise<unknown> {
  const declaredBytes = Number(request.headers['content-length'] ?? '0');
  if (declaredBytes > maxBodyBytes) throw tooLarge();
  const contentType = request.headers['content-type'];
  if (contentType !== undefined && !jsonContentType.test(contentType)) throw notJson(contentType);
  const body = await readBodyBytes(request, timeoutMs);
  if (body.length === 0) return undefined;
  if (contentType === undefined) throw notJson(contentType);
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch (error) {
    // JSON.parse's message names the position, which helps the sender; it holds nothing internal.
    const detail = error instanceof Error ? error.message : String(error);
    throw badRequest(`request body is not valid JSON: ${detail}`);
  }
}
