/** Probes, Prometheus metrics, the live event stream and the API's own description. */
import { ApiError } from './api-error.js';
import { monitorMetricFamilies } from './monitor-metrics.js';
import { buildOpenApiDocument, jsonResponse } from './openapi.js';
import { formatPrometheusText, prometheusContentType } from './prometheus-text.js';
import type { RouteDeps } from './route-deps.js';
import { defineRoute, type Route } from './router.js';

/** `routes` gives the whole table (this list included) once it is built, for the OpenAPI document. */
export function systemRoutes({ api, events }: RouteDeps, routes: () => readonly Route[]): Route[] {
  return [
    defineRoute({
      method: 'GET',
      path: '/healthz',
      mutation: false,
      public: true,
      doc: {
        operationId: 'health',
        summary: 'Liveness: 200 while the process serves requests',
        tags: ['probes'],
        responses: { '200': jsonResponse('Alive.', 'Health') },
      },
      handle: () => ({ kind: 'json', status: 200, body: { status: 'ok' } }),
    }),
    defineRoute({
      method: 'GET',
      path: '/readyz',
      mutation: false,
      public: true,
      doc: {
        operationId: 'ready',
        summary: 'Readiness: 200 once storage is open and every enabled channel has started, else 503',
        tags: ['probes'],
        responses: {
          '200': jsonResponse('Ready.', 'Health'),
          '503': jsonResponse('Not ready yet (or any more).', 'Error'),
        },
      },
      handle: () => {
        if (!api.isReady()) throw new ApiError(503, 'NOT_READY', 'the monitor is not ready');
        const cluster = api.clusterStatus?.() ?? null;
        return { kind: 'json', status: 200, body: { status: 'ready', ...(cluster ? { cluster } : {}) } };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/metrics',
      mutation: false,
      doc: {
        operationId: 'metrics',
        summary: 'Prometheus metrics (text format 0.0.4)',
        description:
          'Per channel: state, up, processing lag, decode frame rate, CPU, restarts, chunks, receive drops; ' +
          'the key detector figures (black ratio, loudness, A/V offset, corrupt frames) and every numeric ' +
          'measurement of the last chunk as streamqc_detector_measurement; open incidents by kind and severity.',
        tags: ['probes'],
        responses: {
          '200': {
            description: 'The metrics.',
            content: { [prometheusContentType]: { schema: { type: 'string' } } },
          },
        },
      },
      handle: async () => ({
        kind: 'text',
        status: 200,
        contentType: prometheusContentType,
        body: formatPrometheusText(await monitorMetricFamilies(api)),
      }),
    }),
    defineRoute({
      method: 'GET',
      path: '/api/events',
      mutation: false,
      doc: {
        operationId: 'events',
        summary: 'Live updates as server-sent events',
        description:
          'Starts with one `status` event per channel, then `event: incident` (data: IncidentTransition) and ' +
          '`event: status` (data: ChannelStatus) as they happen, and a `: heartbeat` comment every 15 s.',
        tags: ['live'],
        responses: {
          '200': {
            description: 'The event stream.',
            content: { 'text/event-stream': { schema: { type: 'string' } } },
          },
          '503': jsonResponse('Too many event streams are open.', 'Error'),
        },
      },
      handle: ({ request, response }) => {
        events.open(request, response);
        return { kind: 'handled' };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/openapi.json',
      mutation: false,
      doc: {
        operationId: 'openapi',
        summary: 'This API as an OpenAPI 3.1 document',
        tags: ['meta'],
        responses: {
          '200': { description: 'The document.', content: { 'application/json': { schema: {} } } },
        },
      },
      handle: () => ({ kind: 'json', status: 200, body: buildOpenApiDocument(routes()) }),
    }),
  ];
}
