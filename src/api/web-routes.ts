/**
 * The web dashboard: its pages and their scripts and style, served from a fixed list of file names (see
 * src/web/web-assets.ts), so a request path never names a file and cannot leave the folder.
 */
import type { ServerResponse } from 'node:http';
import { readWebAsset, webPages, webStaticFiles, type WebAsset } from '../web/web-assets.js';
import { notFound } from './api-error.js';
import type { RouteDeps } from './route-deps.js';
import { defineRoute, type Route } from './router.js';

const tags = ['dashboard'];

async function sendAsset(response: ServerResponse, asset: WebAsset): Promise<void> {
  const body = await readWebAsset(asset);
  response.writeHead(200, {
    'content-type': asset.contentType,
    'content-length': String(body.length),
    // Small files, read per request: a reload after an upgrade gets the new version.
    'cache-control': 'no-cache',
    'x-content-type-options': 'nosniff',
  });
  response.end(body);
}

function textResponses(contentType: string, description: string) {
  return {
    '200': { description, content: { [contentType]: { schema: { type: 'string' as const } } } },
  };
}

export function webRoutes(_deps: RouteDeps): Route[] {
  const pageRoute = (path: string, asset: WebAsset, operationId: string, summary: string): Route =>
    defineRoute({
      method: 'GET',
      path,
      mutation: false,
      public: true,
      doc: { operationId, summary, tags, responses: textResponses('text/html', 'The page.') },
      handle: async ({ response }) => {
        await sendAsset(response, asset);
        return { kind: 'handled' };
      },
    });
  const [grid, channel, incidents] = webPages;
  if (!grid || !channel || !incidents) throw new Error('web page list is incomplete');
  return [
    pageRoute('/', grid, 'dashboardGrid', 'Dashboard: the multiviewer grid of every channel'),
    pageRoute('/index.html', grid, 'dashboardGridPage', 'Dashboard: the multiviewer grid (same as /)'),
    pageRoute('/channel.html', channel, 'dashboardChannel', "Dashboard: one channel's timelines (?id=...)"),
    pageRoute('/incidents.html', incidents, 'dashboardIncidents', 'Dashboard: incidents, acknowledge, CSV'),
    defineRoute({
      method: 'GET',
      path: '/static/:file',
      mutation: false,
      public: true,
      doc: {
        operationId: 'dashboardStatic',
        summary: "The dashboard's scripts and style (only the listed file names)",
        tags,
        responses: {
          ...textResponses('text/javascript', 'The file (text/javascript or text/css).'),
          '404': { description: 'Not one of the dashboard files.' },
        },
      },
      handle: async ({ params, response }) => {
        const asset = webStaticFiles.find((candidate) => candidate.fileName === params.file);
        if (!asset) throw notFound(`dashboard file ${params.file}`);
        await sendAsset(response, asset);
        return { kind: 'handled' };
      },
    }),
  ];
}
