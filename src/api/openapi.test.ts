import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildRoutes } from './api-server.js';
import { silentLogger } from './api-logger.js';
import { startTestServer, type TestServer } from '../test-support/api-test-support.js';
import { createEventStreams } from './event-stream.js';
import { FakeMonitorApi } from '../test-support/fake-monitor-api.js';
import type { OpenApiDocument } from './openapi.js';
import { openApiPath } from './router.js';
import { hlsWindowFigures } from '../hls/hls-chunk-figures.js';
import { emptyFigures } from '../hls/playlist-watch.js';
import { HlsTotals } from '../service/hls-totals.js';

const api = new FakeMonitorApi();
const routes = buildRoutes({
  api,
  logger: silentLogger,
  events: createEventStreams({ api, logger: silentLogger, heartbeatIntervalMs: 15_000, maxStreams: 1 }),
  nowMs: () => 0,
  evidenceDirectory: '/nonexistent',
});

function collectRefs(value: unknown, found: Set<string>): Set<string> {
  if (Array.isArray(value)) for (const item of value) collectRefs(item, found);
  else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      if (key === '$ref' && typeof item === 'string') found.add(item);
      else collectRefs(item, found);
    }
  }
  return found;
}

describe('OpenAPI document', () => {
  let t: TestServer;
  let document: OpenApiDocument;
  before(async () => {
    t = await startTestServer();
    const response = await t.request('/api/openapi.json');
    assert.equal(response.status, 200);
    document = (await response.json()) as OpenApiDocument;
  });
  after(() => t.server.close());

  it('lists exactly the routes the router has, each once', () => {
    const documented = Object.entries(document.paths).flatMap(([path, operations]) =>
      Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
    );
    const routed = routes.map((route) => `${route.method} ${openApiPath(route.path)}`);
    assert.deepEqual([...documented].sort(), [...routed].sort());
    assert.equal(new Set(routed).size, routed.length);
    const operationIds = routes.map((route) => route.doc.operationId);
    assert.equal(new Set(operationIds).size, operationIds.length, 'operationIds are unique');
    for (const expected of [
      'GET /api/channels',
      'POST /api/channels',
      'GET /api/channels/{id}',
      'PATCH /api/channels/{id}',
      'DELETE /api/channels/{id}',
      'GET /api/channels/{id}/chunks',
      'GET /api/incidents',
      'GET /api/incidents/{id}',
      'POST /api/incidents/{id}/ack',
      'GET /api/incidents/{id}/evidence/thumbnail',
      'GET /api/incidents/{id}/evidence/clip',
      'GET /api/events',
      'GET /healthz',
      'GET /readyz',
      'GET /metrics',
      'GET /api/openapi.json',
    ]) {
      assert.ok(documented.includes(expected), `missing ${expected}`);
    }
  });

  it('is OpenAPI 3.1, documents every path parameter, and marks what each route needs (nothing, a read token, an admin token)', () => {
    assert.equal(document.openapi, '3.1.0');
    for (const route of routes) {
      const operation = document.paths[openApiPath(route.path)]?.[route.method.toLowerCase() as 'get'];
      assert.ok(operation);
      const pathParams = (operation.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name);
      assert.deepEqual(
        pathParams,
        [...route.path.matchAll(/:(\w+)/g)].map((m) => m[1]),
      );
      const where = `${route.method} ${route.path}`;
      const schemes = (operation.security ?? []).flatMap((requirement) => Object.keys(requirement));
      const expected = { public: [], read: ['bearerAuth', 'cookieAuth'], admin: ['bearerAuth'] }[
        route.access
      ];
      assert.deepEqual(schemes, expected, where);
      assert.equal(route.access === 'admin', route.mutation, where);
      assert.equal(operation.responses['401'] !== undefined, route.access !== 'public', where);
      assert.equal(operation.responses['403'] !== undefined, route.access === 'admin', where);
      assert.ok(operation.responses['429'] && operation.responses['default'], where);
      if (operation.requestBody) assert.ok(operation.responses['413'] && operation.responses['415'], where);
    }
  });

  it('resolves every schema reference and carries the request schemas', () => {
    for (const reference of collectRefs(document, new Set())) {
      const name = reference.replace('#/components/schemas/', '');
      assert.ok(document.components.schemas[name], `unresolved ${reference}`);
    }
    const input = document.components.schemas['ChannelInput'];
    assert.deepEqual(input?.required, ['id', 'url']);
    assert.equal(input?.additionalProperties, false);
    assert.ok(!('$schema' in (input ?? {})));
  });

  it('has a handler behind every documented operation (no "no route" answer)', async () => {
    for (const route of routes) {
      if (route.path === '/api/events') continue; // a stream; covered in api-live.test.ts
      const path = route.path.replace(/:\w+/g, 'x');
      const response = await t.request(path, { method: route.method, token: true });
      const text = await response.text();
      assert.ok(response.status !== 405, `${route.method} ${path}`);
      assert.doesNotMatch(text, /no route for/, `${route.method} ${path}`);
    }
  });

  it('describes the HLS figures with exactly the fields the service writes', () => {
    const figures = hlsWindowFigures({
      startSeconds: 0,
      endSeconds: 1,
      transport: null,
      playlists: [
        {
          ...emptyFigures(),
          playlist: 0,
          mediaSequence: 3,
          measuredBitrateBps: null,
          declaredBandwidthBps: 1_600_000,
          errors: {},
        },
      ],
    });
    const totals = new HlsTotals();
    totals.add(figures);
    const view = totals.view();
    const schemas = document.components.schemas;
    const sorted = (keys: readonly string[] | undefined) => [...(keys ?? [])].sort();
    const chunkSchema = schemas['HlsChunkFigures'];
    assert.deepEqual(sorted(chunkSchema?.required), sorted(Object.keys(figures)));
    assert.deepEqual(sorted(Object.keys(chunkSchema?.properties ?? {})), sorted(Object.keys(figures)));
    const playlistSchema = chunkSchema?.properties?.['playlists']?.items;
    assert.deepEqual(sorted(playlistSchema?.required), sorted(Object.keys(figures.playlists[0] ?? {})));
    assert.deepEqual(
      sorted(chunkSchema?.properties?.['errors']?.required),
      sorted(Object.keys(figures.errors)),
    );
    const totalsSchema = schemas['HlsTotals'];
    assert.deepEqual(sorted(totalsSchema?.required), sorted(Object.keys(view ?? {})));
    assert.deepEqual(
      sorted(totalsSchema?.properties?.['playlists']?.items?.required),
      sorted(Object.keys(view?.playlists[0] ?? {})),
    );
    assert.equal(
      schemas['ChunkRecord']?.properties?.['measurements']?.properties?.['hls']?.$ref,
      '#/components/schemas/HlsChunkFigures',
    );
    assert.equal(schemas['ChannelStatus']?.properties?.['hls']?.$ref, '#/components/schemas/HlsTotals');
  });
});
