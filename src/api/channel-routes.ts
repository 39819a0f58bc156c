/** Channels: list, status, add, change and remove at runtime, and the per-chunk timeline. */
import { redactUrl } from '../service/model.js';
import { notFound } from './api-error.js';
import { jsonContent, jsonResponse, queryParam, ref, timeParam } from './openapi.js';
import { limitParam, timeWindowMs } from './query-params.js';
import { parseChannelInput, parseChannelPatch } from './request-schemas.js';
import type { RouteDeps } from './route-deps.js';
import { defineRoute, type Route } from './router.js';
import { channelView } from './views.js';

const defaultTimelineSpanMs = 5 * 60 * 1000;
const defaultChunkLimit = 1000;
/** About three hours of 1-second chunks: more belongs in an export, not in one answer. */
const maxChunkLimit = 10_000;

const tags = ['channels'];
const channelNotFound = jsonResponse('No channel has this id.', 'Error');

export function channelRoutes({ api, logger, nowMs }: RouteDeps): Route[] {
  return [
    defineRoute({
      method: 'GET',
      path: '/api/channels',
      mutation: false,
      doc: {
        operationId: 'listChannels',
        summary: 'Every channel with its live status',
        tags,
        responses: { '200': jsonResponse('The channels.', 'ChannelList') },
      },
      handle: () => ({ kind: 'json', status: 200, body: { channels: api.listChannels().map(channelView) } }),
    }),
    defineRoute({
      method: 'GET',
      path: '/api/channels/:id',
      mutation: false,
      doc: {
        operationId: 'getChannel',
        summary: "One channel's live status",
        tags,
        responses: { '200': jsonResponse('The status.', 'ChannelStatus'), '404': channelNotFound },
      },
      handle: ({ params }) => {
        const status = api.getChannel(params.id);
        if (status === null) throw notFound(`channel ${params.id}`);
        return { kind: 'json', status: 200, body: channelView(status) };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api/channels',
      mutation: true,
      doc: {
        operationId: 'addChannel',
        summary: 'Add a channel and start monitoring it (no restart needed)',
        tags,
        requestBody: { required: true, content: jsonContent(ref('ChannelInput')) },
        responses: {
          '201': jsonResponse('Added; the status of the new channel.', 'ChannelStatus'),
          '400': jsonResponse(
            'The body breaks the schema, or the monitor refused the settings (BAD_CONFIG).',
            'Error',
          ),
        },
      },
      handle: async ({ readJson }) => {
        const input = parseChannelInput(await readJson());
        const status = await api.addChannel(input);
        logger.info({ channelId: status.id, url: redactUrl(input.url) }, 'channel added through the API');
        return {
          kind: 'json',
          status: 201,
          body: channelView(status),
          headers: { location: `/api/channels/${encodeURIComponent(status.id)}` },
        };
      },
    }),
    defineRoute({
      method: 'PATCH',
      path: '/api/channels/:id',
      mutation: true,
      doc: {
        operationId: 'updateChannel',
        summary: 'Change a channel at runtime (no restart of the service)',
        tags,
        requestBody: { required: true, content: jsonContent(ref('ChannelPatch')) },
        responses: {
          '200': jsonResponse('Changed; the new status.', 'ChannelStatus'),
          '404': channelNotFound,
        },
      },
      handle: async ({ params, readJson }) => {
        const patch = parseChannelPatch(await readJson());
        const status = await api.updateChannel(params.id, patch);
        if (status === null) throw notFound(`channel ${params.id}`);
        logger.info({ channelId: params.id, fields: Object.keys(patch) }, 'channel changed through the API');
        return { kind: 'json', status: 200, body: channelView(status) };
      },
    }),
    defineRoute({
      method: 'DELETE',
      path: '/api/channels/:id',
      mutation: true,
      doc: {
        operationId: 'removeChannel',
        summary: 'Stop monitoring a channel and forget it (its stored results stay)',
        tags,
        responses: { '204': { description: 'Removed.' }, '404': channelNotFound },
      },
      handle: async ({ params }) => {
        if (!(await api.removeChannel(params.id))) throw notFound(`channel ${params.id}`);
        logger.info({ channelId: params.id }, 'channel removed through the API');
        return { kind: 'empty', status: 204 };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/channels/:id/chunks',
      mutation: false,
      doc: {
        operationId: 'listChunks',
        summary: "A channel's per-second timeline: every detector's figures for each chunk",
        tags,
        parameters: [
          timeParam('from', 'Start of the window (default: 5 minutes before `to`).'),
          timeParam('to', 'End of the window (default: now).'),
          queryParam('limit', `Most chunks to return (default ${defaultChunkLimit}).`, {
            type: 'integer',
            minimum: 1,
            maximum: maxChunkLimit,
          }),
        ],
        responses: { '200': jsonResponse('The chunks in the window.', 'ChunkList'), '404': channelNotFound },
      },
      handle: async ({ params, query }) => {
        if (api.getChannel(params.id) === null) throw notFound(`channel ${params.id}`);
        const { fromMs, toMs } = timeWindowMs(query, nowMs(), defaultTimelineSpanMs);
        const limit = limitParam(query, defaultChunkLimit, maxChunkLimit);
        const chunks = await api.queryChunks(params.id, fromMs, toMs, limit);
        return { kind: 'json', status: 200, body: { channelId: params.id, fromMs, toMs, chunks } };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/channels/:id/thumbnail',
      mutation: false,
      doc: {
        operationId: 'getLiveThumbnail',
        summary: "The channel's live picture: a JPEG about 320 pixels wide, refreshed about every 2 s",
        tags,
        responses: {
          '200': {
            description: 'The latest picture.',
            content: { 'image/jpeg': { schema: { type: 'string', format: 'binary' } } },
          },
          '404': channelNotFound,
        },
      },
      handle: ({ params, response }) => {
        if (api.getChannel(params.id) === null) throw notFound(`channel ${params.id}`);
        const thumbnail = api.liveThumbnail(params.id);
        if (!thumbnail) throw notFound(`a picture of channel ${params.id} (none decoded yet)`);
        response.writeHead(200, {
          'Content-Type': 'image/jpeg',
          'Content-Length': String(thumbnail.jpeg.length),
          'Cache-Control': 'no-store',
          'Last-Modified': new Date(thumbnail.atMs).toUTCString(),
        });
        response.end(thumbnail.jpeg);
        return { kind: 'handled' };
      },
    }),
  ];
}
