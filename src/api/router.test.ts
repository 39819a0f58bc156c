import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError } from './api-error.js';
import { defineRoute, matchRoute, openApiPath, type PathParams, type Route } from './router.js';

const doc = { operationId: 'x', summary: 'x', tags: [], responses: {} };

function route(method: 'GET' | 'POST' | 'DELETE', path: string): Route {
  return defineRoute({ method, path, mutation: false, doc, handle: () => ({ kind: 'empty', status: 204 }) });
}

const routes = [
  route('GET', '/api/channels'),
  route('POST', '/api/channels'),
  route('GET', '/api/channels/:id'),
  route('DELETE', '/api/channels/:id'),
  route('GET', '/api/channels/:id/chunks'),
];

function thrown(action: () => unknown): ApiError {
  try {
    action();
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error('expected an ApiError');
}

describe('router', () => {
  it('matches literal paths and decodes parameters', () => {
    assert.equal(matchRoute(routes, 'POST', '/api/channels').route, routes[1]);
    const match = matchRoute(routes, 'GET', '/api/channels/news%20hd/chunks');
    assert.equal(match.route, routes[4]);
    assert.deepEqual(match.params, { id: 'news hd' });
    assert.equal(matchRoute(routes, 'GET', '/api/channels/').route, routes[0]);
  });

  it('answers 404 for an unknown path and 405 with Allow for a known path with another method', () => {
    assert.equal(thrown(() => matchRoute(routes, 'GET', '/api/nothing')).status, 404);
    assert.equal(thrown(() => matchRoute(routes, 'GET', '/api/channels//chunks')).status, 404);
    const notAllowed = thrown(() => matchRoute(routes, 'PATCH', '/api/channels/a'));
    assert.equal(notAllowed.status, 405);
    assert.equal(notAllowed.headers['allow'], 'GET, DELETE');
  });

  it('answers 400 for broken percent-encoding', () => {
    assert.equal(thrown(() => matchRoute(routes, 'GET', '/api/channels/%E0%A4%A')).status, 400);
  });

  it('types path parameters from the pattern and writes OpenAPI paths', () => {
    const params: PathParams<'/api/incidents/:id/evidence/:kind'> = { id: 'a', kind: 'clip' };
    assert.equal(params.kind, 'clip');
    assert.equal(openApiPath('/api/incidents/:id/evidence/:kind'), '/api/incidents/{id}/evidence/{kind}');
  });
});
