/**
 * Server-sent events: each client gets `event: incident` / `event: status` with JSON data from
 * MonitorApi.subscribe, a comment line as heartbeat (so proxies keep the connection and clients notice a dead
 * one), and is unsubscribed when it goes away. A client that stops reading is dropped, not buffered for.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LiveEvent, MonitorApi } from '../service/monitor-api.js';
import { ApiError } from './api-error.js';
import type { ApiLogger } from './api-logger.js';
import { channelView, liveEventView } from './views.js';

export interface EventStreamOptions {
  readonly api: MonitorApi;
  readonly logger: ApiLogger;
  readonly heartbeatIntervalMs: number;
  /** Each stream holds a subscription and a socket; a cap keeps a reconnect storm from exhausting either. */
  readonly maxStreams: number;
}

/** About a thousand incident events: a client further behind than this is not reading. */
const maxBufferedBytes = 1024 * 1024;

/** How long a client waits before reconnecting after the stream drops. */
const reconnectDelayMs = 3000;

export interface EventStreams {
  /** Takes over the response and streams until the client leaves or `closeAll()`. */
  open(request: IncomingMessage, response: ServerResponse): void;
  readonly count: number;
  closeAll(): void;
}

export function formatServerSentEvent(eventName: string, data: unknown): string {
  // JSON.stringify escapes line feeds, so the data fits on the one `data:` line the format needs.
  return `event: ${eventName}\ndata: ${JSON.stringify(data)}\n\n`;
}

function formatLiveEvent(event: LiveEvent): string {
  const view = liveEventView(event);
  switch (view.type) {
    case 'incident':
      return formatServerSentEvent('incident', view.transition);
    case 'status':
      return formatServerSentEvent('status', view.channel);
  }
}

export function createEventStreams(options: EventStreamOptions): EventStreams {
  const { api, logger } = options;
  const closers = new Set<() => void>();

  const open = (request: IncomingMessage, response: ServerResponse): void => {
    if (closers.size >= options.maxStreams) {
      throw new ApiError(503, 'TOO_MANY_STREAMS', `at most ${options.maxStreams} event streams may be open`, {
        'retry-after': '10',
      });
    }
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      // Tells nginx-style proxies not to hold events back in a buffer.
      'x-accel-buffering': 'no',
    });
    let closed = false;
    let unsubscribe = (): void => undefined;
    // Started first so that close() can always clear it; its callback runs only later.
    const heartbeat = setInterval(() => write(': heartbeat\n\n'), options.heartbeatIntervalMs);
    const close = (): void => {
      if (closed) return;
      closed = true;
      clearInterval(heartbeat);
      unsubscribe();
      closers.delete(close);
      response.end();
    };
    const write = (text: string): void => {
      if (closed) return;
      if (response.writableLength > maxBufferedBytes) {
        logger.warn({ remoteAddress: request.socket.remoteAddress }, 'event stream client too slow, dropped');
        close();
        response.destroy();
        return;
      }
      response.write(text);
    };
    closers.add(close);
    // The response's close (not the request's, which fires once its body is read) marks the client gone.
    response.on('close', close);
    write(`retry: ${reconnectDelayMs}\n: streamqc events\n\n`);
    // The current state first, so a client needs no separate request to draw its first picture.
    for (const status of api.listChannels()) write(formatServerSentEvent('status', channelView(status)));
    unsubscribe = api.subscribe((event) => {
      // This runs inside the monitor's emit: nothing here may throw back into it.
      try {
        write(formatLiveEvent(event));
      } catch (error) {
        logger.error({ err: error }, 'event stream write failed');
      }
    });
  };

  return {
    open,
    get count() {
      return closers.size;
    },
    closeAll() {
      for (const close of [...closers]) close();
    },
  };
}
