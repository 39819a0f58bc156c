/** Incidents: list with filters, one by id, acknowledge, and their evidence files. */
import type { IncidentFilter } from '../store/result-store.js';
import { ApiError, notFound } from './api-error.js';
import { sendEvidenceFile } from './evidence-file.js';
import { jsonContent, jsonResponse, queryParam, ref, timeParam, type OpenApiMediaType } from './openapi.js';
import { choiceParam, limitParam, stringParam, timeParamMs } from './query-params.js';
import { parseAcknowledge } from './request-schemas.js';
import type { RouteDeps } from './route-deps.js';
import { defineRoute, type Route } from './router.js';
import { incidentView } from './views.js';

const defaultIncidentLimit = 100;
const maxIncidentLimit = 10_000;

const tags = ['incidents'];
const incidentNotFound = jsonResponse('No incident has this id.', 'Error');

function incidentFilter(query: URLSearchParams): IncidentFilter {
  const channelId = stringParam(query, 'channel');
  const state = choiceParam(query, 'state', ['open', 'closed'] as const);
  const kind = stringParam(query, 'kind');
  const sinceMs = timeParamMs(query, 'since');
  const untilMs = timeParamMs(query, 'until');
  return {
    ...(channelId === undefined ? {} : { channelId }),
    ...(state === undefined ? {} : { state }),
    ...(kind === undefined ? {} : { kind }),
    ...(sinceMs === undefined ? {} : { sinceMs }),
    ...(untilMs === undefined ? {} : { untilMs }),
    limit: limitParam(query, defaultIncidentLimit, maxIncidentLimit),
  };
}

function evidenceRoute({ api, logger, evidenceDirectory }: RouteDeps, kind: 'thumbnail' | 'clip'): Route {
  const media: Record<string, OpenApiMediaType> = {
    [kind === 'thumbnail' ? 'image/jpeg' : 'video/mp2t']: { schema: { type: 'string', format: 'binary' } },
  };
  return defineRoute({
    method: 'GET',
    path: `/api/incidents/:id/evidence/${kind}`,
    mutation: false,
    doc: {
      operationId: kind === 'thumbnail' ? 'getIncidentThumbnail' : 'getIncidentClip',
      summary:
        kind === 'thumbnail'
          ? "A picture from the incident's start"
          : 'A short recording around the incident (content type from the file extension)',
      tags,
      responses: {
        '200': { description: 'The file.', content: media },
        '404': jsonResponse(
          'No such incident, or it has no such evidence (not written, or pruned).',
          'Error',
        ),
      },
    },
    handle: async ({ params, response }) => {
      if ((await api.getIncident(params.id)) === null) throw notFound(`incident ${params.id}`);
      const path = await api.evidenceFile(params.id, kind);
      await sendEvidenceFile(response, { directory: evidenceDirectory, path, kind }, logger);
      return { kind: 'handled' };
    },
  });
}

export function incidentRoutes(deps: RouteDeps): Route[] {
  const { api, logger } = deps;
  return [
    defineRoute({
      method: 'GET',
      path: '/api/incidents',
      mutation: false,
      doc: {
        operationId: 'listIncidents',
        summary: 'Incidents, filtered',
        tags,
        parameters: [
          queryParam('channel', 'Only this channel id.', { type: 'string' }),
          queryParam('state', 'Only open or only closed incidents.', {
            type: 'string',
            enum: ['open', 'closed'],
          }),
          queryParam(
            'kind',
            "Only this kind (a detector id, or 'dead-channel', 'no-signal', 'decoder-crash', 'input-refused', 'memory-limit').",
            {
              type: 'string',
            },
          ),
          timeParam('since', 'Only incidents that started at or after this time.'),
          timeParam('until', 'Only incidents that started before this time.'),
          queryParam('limit', `Most incidents to return (default ${defaultIncidentLimit}).`, {
            type: 'integer',
            minimum: 1,
            maximum: maxIncidentLimit,
          }),
        ],
        responses: { '200': jsonResponse('The incidents.', 'IncidentList') },
      },
      handle: async ({ query }) => {
        const incidents = (await api.listIncidents(incidentFilter(query))).map(incidentView);
        return { kind: 'json', status: 200, body: { incidents } };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/incidents/:id',
      mutation: false,
      doc: {
        operationId: 'getIncident',
        summary: 'One incident',
        tags,
        responses: { '200': jsonResponse('The incident.', 'Incident'), '404': incidentNotFound },
      },
      handle: async ({ params }) => {
        const incident = await api.getIncident(params.id);
        if (incident === null) throw notFound(`incident ${params.id}`);
        return { kind: 'json', status: 200, body: incidentView(incident) };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api/incidents/:id/ack',
      mutation: true,
      doc: {
        operationId: 'acknowledgeIncident',
        summary: 'Acknowledge an incident (someone is on it)',
        tags,
        requestBody: { required: false, content: jsonContent(ref('Acknowledge')) },
        responses: {
          '200': jsonResponse('The acknowledged incident.', 'Incident'),
          '404': incidentNotFound,
          '409': jsonResponse('The incident is closed and can no longer be acknowledged.', 'Error'),
        },
      },
      handle: async ({ params, readJson }) => {
        const { by } = parseAcknowledge(await readJson());
        const incident = api.acknowledgeIncident(params.id, by);
        if (incident === null) {
          if ((await api.getIncident(params.id)) === null) throw notFound(`incident ${params.id}`);
          // The monitor acknowledges only incidents it still tracks: a closed one is history.
          throw new ApiError(409, 'CONFLICT', `incident ${params.id} cannot be acknowledged (it is closed)`);
        }
        logger.info({ incidentId: params.id, by }, 'incident acknowledged through the API');
        return { kind: 'json', status: 200, body: incidentView(incident) };
      },
    }),
    evidenceRoute(deps, 'thumbnail'),
    evidenceRoute(deps, 'clip'),
  ];
}
