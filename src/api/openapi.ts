/**
 * The OpenAPI 3.1 document, served at GET /api/openapi.json. Each route carries its own operation (see the
 * route files); this file holds the types, the shared schemas and the builder that walks the route table, so
 * the document lists exactly the routes the router serves.
 */
import { z } from 'zod';
import { apiErrorCodes } from './api-error.js';
import { tokenCookieName } from './auth.js';
import { maxBodyBytes } from './http-io.js';
import { hlsChunkFiguresSchema, hlsTotalsSchema } from './openapi-hls.js';
import { acknowledgeSchema, channelInputSchema, channelPatchSchema } from './request-schemas.js';
import { openApiPath, pathParamNames, type Route } from './router.js';
import { channelStates, severities } from './views.js';

type JsonType = 'string' | 'number' | 'integer' | 'boolean' | 'object' | 'array' | 'null';

export interface JsonSchema {
  readonly $ref?: string;
  readonly type?: JsonType | readonly JsonType[];
  readonly description?: string;
  readonly format?: string;
  readonly enum?: readonly (string | number | null)[];
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly required?: readonly string[];
  readonly items?: JsonSchema;
  readonly additionalProperties?: boolean | JsonSchema;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly oneOf?: readonly JsonSchema[];
}

export interface OpenApiParameter {
  readonly name: string;
  readonly in: 'path' | 'query' | 'header';
  readonly required?: boolean;
  readonly description?: string;
  readonly schema: JsonSchema;
}

export interface OpenApiMediaType {
  readonly schema: JsonSchema;
}

export interface OpenApiResponse {
  readonly description: string;
  readonly content?: Readonly<Record<string, OpenApiMediaType>>;
}

/** What a route says about itself; the builder adds path parameters, security and error answers. */
export interface OperationDoc {
  readonly operationId: string;
  readonly summary: string;
  readonly description?: string;
  readonly tags: readonly string[];
  readonly parameters?: readonly OpenApiParameter[];
  readonly requestBody?: {
    readonly required: boolean;
    readonly content: Readonly<Record<string, OpenApiMediaType>>;
  };
  readonly responses: Readonly<Record<string, OpenApiResponse>>;
}

export type OpenApiOperation = OperationDoc & {
  readonly security?: readonly Record<string, readonly string[]>[];
};

type LowerMethod = 'get' | 'post' | 'patch' | 'delete';

export interface OpenApiDocument {
  readonly openapi: '3.1.0';
  readonly info: { readonly title: string; readonly version: string; readonly description: string };
  readonly paths: Readonly<Record<string, Partial<Record<LowerMethod, OpenApiOperation>>>>;
  readonly components: {
    readonly schemas: Readonly<Record<string, JsonSchema>>;
    readonly securitySchemes: Readonly<Record<string, SecurityScheme>>;
  };
}

type SecurityScheme =
  | { readonly type: 'http'; readonly scheme: 'bearer'; readonly description: string }
  | { readonly type: 'apiKey'; readonly in: 'cookie'; readonly name: string; readonly description: string };

export function ref(schemaName: string): JsonSchema {
  return { $ref: `#/components/schemas/${schemaName}` };
}

export function jsonContent(schema: JsonSchema): Readonly<Record<string, OpenApiMediaType>> {
  return { 'application/json': { schema } };
}

export function jsonResponse(description: string, schemaName: string): OpenApiResponse {
  return { description, content: jsonContent(ref(schemaName)) };
}

export function queryParam(name: string, description: string, schema: JsonSchema): OpenApiParameter {
  return { name, in: 'query', required: false, description, schema };
}

const nullableNumber: JsonSchema = { type: ['number', 'null'] };
const timeParamSchema: JsonSchema = {
  type: 'string',
  description: 'Epoch milliseconds (digits only) or an ISO 8601 date.',
};
export const timeParam = (name: string, description: string): OpenApiParameter =>
  queryParam(name, description, timeParamSchema);

function fromZod(schema: z.ZodType): JsonSchema {
  const jsonSchema: Record<string, unknown> = { ...z.toJSONSchema(schema, { io: 'input' }) };
  // zod writes JSON Schema 2020-12, the dialect OpenAPI 3.1 uses; the per-schema $schema key is redundant.
  delete jsonSchema['$schema'];
  return jsonSchema as JsonSchema;
}

const channelStatusSchema: JsonSchema = {
  type: 'object',
  required: ['id', 'name', 'url', 'state', 'restarts', 'openIncidents', 'latest'],
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    url: { type: 'string', description: 'Input URL with credentials and token-like query values redacted.' },
    state: { type: 'string', enum: channelStates },
    lastChunkAtMs: { ...nullableNumber, description: 'Wall-clock ms of the last chunk analysed.' },
    processingLagSeconds: { ...nullableNumber, description: 'How far analysis runs behind the live edge.' },
    decodedFramesPerSecond: nullableNumber,
    cpuPercent: { ...nullableNumber, description: 'Percent of one core.' },
    restarts: { type: 'integer' },
    openIncidents: { type: 'integer' },
    latest: {
      type: 'object',
      description:
        "The last chunk's measurements, keyed by detector id; `transport` for inputs the worker receives (UDP, RTP, SRT, HTTP TS) and the TS segments of an HLS channel's decoded rendition: TR 101 290 error counts, packets, bitrate and per-PID bitrates of the transport seconds since the previous chunk; `hls` for HLS channels (see HlsChunkFigures).",
      additionalProperties: { type: 'object' },
    },
    hls: ref('HlsTotals'),
    transport: {
      type: 'object',
      description:
        'UDP, RTP, SRT and HTTP TS inputs, and the TS segments of an HLS channel’s decoded rendition: TR 101 290 counters since the monitor started (`counts` by check), packets, the monitor’s own receive drops (packets) and the continuity breaks blamed on them.',
      properties: {
        counts: { type: 'object', additionalProperties: { type: 'integer' } },
        packets: { type: 'integer' },
        receiveDroppedPackets: { type: 'integer' },
        suppressedContinuityErrors: { type: 'integer' },
      },
    },
  },
};

const incidentSchema: JsonSchema = {
  type: 'object',
  required: [
    'id',
    'channelId',
    'kind',
    'severity',
    'state',
    'startedAtMs',
    'raisedAtMs',
    'details',
    'evidence',
  ],
  properties: {
    id: { type: 'string' },
    channelId: { type: 'string' },
    kind: {
      type: 'string',
      description:
        "A detector id, 'dead-channel', 'no-signal', 'decoder-crash', 'input-refused', 'memory-limit', a transport check ('ts-continuity', 'ts-pat', ...: one per TR 101 290 check), or an HLS delivery check ('hls-stale-playlist', 'hls-segment-failed', ...).",
    },
    severity: { type: 'string', enum: severities },
    state: { type: 'string', enum: ['open', 'closed'] },
    startedAtMs: { type: 'number', description: 'Wall-clock ms when the condition began.' },
    raisedAtMs: { type: 'number' },
    closedAtMs: nullableNumber,
    acknowledgedAtMs: nullableNumber,
    acknowledgedBy: { type: ['string', 'null'] },
    channel: { type: 'integer', description: '0-based audio channel, for per-channel audio findings.' },
    details: { type: 'object' },
    evidence: {
      type: 'object',
      properties: {
        thumbnailUrl: { type: ['string', 'null'] },
        clipUrl: { type: ['string', 'null'] },
      },
    },
  },
};

const schemas: Readonly<Record<string, JsonSchema>> = {
  Error: {
    type: 'object',
    required: ['error'],
    properties: {
      error: {
        type: 'object',
        required: ['code', 'message'],
        properties: { code: { type: 'string', enum: apiErrorCodes }, message: { type: 'string' } },
      },
    },
  },
  Health: {
    type: 'object',
    required: ['status'],
    properties: {
      status: { type: 'string' },
      cluster: {
        type: 'object',
        description:
          'Cluster mode (/readyz): tasks held here, worker.maxChannels (null: none), live workers, all tasks, and tasks no worker has room for.',
        properties: {
          workerId: { type: 'string' },
          heldTasks: { type: 'integer' },
          maxTasks: { type: ['integer', 'null'] },
          liveWorkers: { type: 'integer' },
          tasks: { type: 'integer' },
          unassignedTasks: { type: 'integer' },
        },
      },
    },
  },
  ChannelStatus: channelStatusSchema,
  ChannelList: {
    type: 'object',
    required: ['channels'],
    properties: { channels: { type: 'array', items: ref('ChannelStatus') } },
  },
  ChannelInput: fromZod(channelInputSchema),
  ChannelPatch: fromZod(channelPatchSchema),
  Acknowledge: fromZod(acknowledgeSchema),
  Incident: incidentSchema,
  IncidentList: {
    type: 'object',
    required: ['incidents'],
    properties: { incidents: { type: 'array', items: ref('Incident') } },
  },
  IncidentTransition: {
    type: 'object',
    required: ['kind', 'atMs', 'key', 'incident'],
    properties: {
      kind: { type: 'string', enum: ['raised', 'cleared', 'acknowledged'] },
      atMs: { type: 'number' },
      key: { type: 'string', description: 'Unique per incident and transition.' },
      incident: ref('Incident'),
    },
  },
  ChunkRecord: {
    type: 'object',
    required: ['channelId', 'chunkIndex', 'sessionId', 'startedAtMs', 'durationSeconds', 'measurements'],
    properties: {
      channelId: { type: 'string' },
      chunkIndex: {
        type: 'integer',
        description: "Index within the channel's session (restarts begin a new one).",
      },
      sessionId: { type: 'string' },
      startedAtMs: { type: 'number', description: "Wall-clock ms when the chunk's media started." },
      durationSeconds: { type: 'number' },
      measurements: {
        type: 'object',
        description:
          "Every detector's figures, keyed by detector id; `transport` (UDP, RTP, SRT, HTTP TS inputs; an HLS channel's decoded rendition) and `hls` (HLS channels) are the delivery figures of the seconds since the previous chunk.",
        properties: { hls: ref('HlsChunkFigures') },
        additionalProperties: { type: 'object' },
      },
    },
  },
  HlsChunkFigures: hlsChunkFiguresSchema,
  HlsTotals: hlsTotalsSchema,
  ChunkList: {
    type: 'object',
    required: ['channelId', 'fromMs', 'toMs', 'chunks'],
    properties: {
      channelId: { type: 'string' },
      fromMs: { type: 'number' },
      toMs: { type: 'number' },
      chunks: { type: 'array', items: ref('ChunkRecord') },
    },
  },
};

const errorResponse = (description: string): OpenApiResponse => jsonResponse(description, 'Error');

function operationFor(route: Route): OpenApiOperation {
  const documented = new Set((route.doc.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name));
  const pathParameters: OpenApiParameter[] = pathParamNames(route)
    .filter((name) => !documented.has(name))
    .map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } }));
  const responses: Record<string, OpenApiResponse> = { ...route.doc.responses };
  if (route.doc.requestBody) {
    responses['400'] ??= errorResponse('The body is not valid JSON or breaks the schema.');
    responses['408'] = errorResponse('The body did not arrive in time (http.bodyTimeoutMs).');
    responses['413'] = errorResponse(`The body is larger than ${maxBodyBytes} bytes.`);
    responses['415'] = errorResponse('The body is not declared as application/json.');
  }
  if (route.access !== 'public') {
    responses['401'] = errorResponse(
      route.access === 'admin'
        ? 'No bearer token, or a wrong one.'
        : 'No token (and the request is not an allowed anonymous read), or a wrong one.',
    );
  }
  if (route.access === 'admin') {
    responses['403'] = errorResponse(
      'The token has the read role only, or no admin token is configured (changes disabled).',
    );
  }
  responses['429'] = errorResponse(
    'Too many requests from this address or with this token; Retry-After says when to try again.',
  );
  responses['default'] = errorResponse('Any other failure.');
  return {
    ...route.doc,
    parameters: [...pathParameters, ...(route.doc.parameters ?? [])],
    responses,
    security: securityFor(route),
  };
}

/** Public routes need nothing; reads take a bearer token or the dashboard's cookie; changes a bearer token. */
function securityFor(route: Route): readonly Record<string, readonly string[]>[] {
  switch (route.access) {
    case 'public':
      return [];
    case 'read':
      return [{ bearerAuth: [] }, { cookieAuth: [] }];
    case 'admin':
      return [{ bearerAuth: [] }];
  }
}

export function buildOpenApiDocument(routes: readonly Route[]): OpenApiDocument {
  const paths: Record<string, Partial<Record<LowerMethod, OpenApiOperation>>> = {};
  for (const route of routes) {
    const path = openApiPath(route.path);
    const method = route.method.toLowerCase() as LowerMethod;
    paths[path] = { ...paths[path], [method]: operationFor(route) };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'streamqc',
      version: '1.0.0',
      description:
        'Live stream quality monitor: channels, status, per-second timelines, incidents and evidence. ' +
        'Tokens have a role: `read` (every GET) or `admin` (reads and changes); changes need ' +
        '`Authorization: Bearer <token>` with an admin token. Reads need a token too, except from the ' +
        'monitor machine itself by default (`http.anonymousReads`). Probes and the dashboard files are public. ' +
        'Requests are rate-limited per address and per token (429 with Retry-After). ' +
        'Errors are `{ "error": { "code", "message" } }`.',
    },
    paths,
    components: {
      schemas,
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          description:
            'A token whose hash is in http.tokens (`streamqc hash-token`), or the admin token in the environment.',
        },
        cookieAuth: {
          type: 'apiKey',
          in: 'cookie',
          name: tokenCookieName,
          description:
            'The same token in a cookie, which the dashboard sets so that pictures, clips and the event ' +
            'stream load; honoured for reads only.',
        },
      },
    },
  };
}
