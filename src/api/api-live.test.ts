import assert from 'node:assert/strict';
import { get, type IncomingMessage } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { StreamqcError } from '../errors/streamqc-error.js';
import { startApiServer } from './api-server.js';
import { errorOf, startTestServer, type TestServer } from '../test-support/api-test-support.js';
import { fakeChannelStatus, fakeIncident } from '../test-support/fake-monitor-api.js';

interface EventStreamClient {
  readonly response: IncomingMessage;
  /** Resolves with everything received so far once `pattern` matches it. */
  waitFor(pattern: RegExp): Promise<string>;
  readonly ended: Promise<void>;
  close(): void;
}

function openEventStream(url: string): Promise<EventStreamClient> {
  return new Promise((resolve, reject) => {
    const request = get(url, (response) => {
      let received = '';
      const waiters: { pattern: RegExp; resolve: (text: string) => void }[] = [];
      const check = (): void => {
        for (const waiter of [...waiters]) {
          if (!waiter.pattern.test(received)) continue;
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(received);
        }
      };
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        received += chunk;
        check();
      });
      const ended = new Promise<void>((done) => response.on('close', () => done()));
      resolve({
        response,
        ended,
        waitFor: (pattern) =>
          new Promise((done) => {
            waiters.push({ pattern, resolve: done });
            check();
          }),
        close: () => request.destroy(),
      });
    });
    request.on('error', reject);
  });
}

const sampleLine =
  /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\["\\n])*"(?:,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\["\\n])*")*\})? (?:NaN|[+-]Inf|-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)$/;

async function until(condition: () => boolean): Promise<void> {
  for (let attempt = 0; attempt < 200 && !condition(); attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  assert.ok(condition(), 'condition not met in time');
}

describe('API live: events, probes, metrics', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ heartbeatIntervalMs: 50, maxEventStreams: 2 });
    t.api.channels.set('one', fakeChannelStatus('one', { url: 'rtmp://u:secretpw@origin/app' }));
  });
  after(() => t.server.close());

  it('streams the current status, then incident and status events, redacted, and unsubscribes on close', async () => {
    const client = await openEventStream(`${t.server.url}/api/events`);
    assert.equal(client.response.statusCode, 200);
    assert.match(client.response.headers['content-type'] ?? '', /^text\/event-stream/);
    await client.waitFor(/event: status\ndata: \{"id":"one"/);
    assert.equal(t.api.listeners.size, 1);

    t.api.emit({
      type: 'incident',
      transition: { kind: 'raised', incident: fakeIncident('i9'), atMs: 5, key: 'i9:raised' },
    });
    const afterIncident = await client.waitFor(/event: incident\ndata: .*\n\n/);
    const dataLine = /event: incident\ndata: (.*)\n\n/.exec(afterIncident)?.[1] ?? '';
    const transition = JSON.parse(dataLine) as { kind: string; key: string; incident: { id: string } };
    assert.equal(transition.kind, 'raised');
    assert.equal(transition.key, 'i9:raised');
    assert.equal(transition.incident.id, 'i9');

    t.api.emit({
      type: 'status',
      channel: fakeChannelStatus('one', { state: 'no-signal', url: 'rtmp://u:pw2@o/a' }),
    });
    const afterStatus = await client.waitFor(/"state":"no-signal"/);
    assert.doesNotMatch(afterStatus, /secretpw|pw2/);
    await client.waitFor(/: heartbeat\n\n/);

    client.close();
    await until(() => t.api.listeners.size === 0);
  });

  it('refuses streams past the cap with 503, and close() ends the open ones', async () => {
    const first = await openEventStream(`${t.server.url}/api/events`);
    const second = await openEventStream(`${t.server.url}/api/events`);
    const third = await t.request('/api/events');
    assert.equal(third.status, 503);
    assert.equal((await errorOf(third)).code, 'TOO_MANY_STREAMS');
    await first.waitFor(/event: status/);
    first.close();
    second.close();
    await until(() => t.api.listeners.size === 0);
  });

  it('answers /healthz always and /readyz by isReady()', async () => {
    assert.equal((await t.request('/healthz')).status, 200);
    t.api.ready = false;
    const notReady = await t.request('/readyz');
    assert.equal(notReady.status, 503);
    assert.equal((await errorOf(notReady)).code, 'NOT_READY');
    assert.equal((await t.request('/healthz')).status, 200);
    t.api.ready = true;
    const ready = await t.request('/readyz');
    assert.equal(ready.status, 200);
    assert.deepEqual(await ready.json(), { status: 'ready' });
  });

  it('cluster mode: /readyz and /metrics show the channels no worker has room for', async () => {
    const cluster = {
      workerId: 'w1',
      heldTasks: 2,
      maxTasks: 2,
      liveWorkers: 2,
      tasks: 10,
      unassignedTasks: 2,
    };
    Object.assign(t.api, { clusterStatus: () => cluster });
    try {
      const ready = await t.request('/readyz');
      assert.equal(ready.status, 200);
      assert.deepEqual(await ready.json(), { status: 'ready', cluster });
      const metrics = await (await t.request('/metrics')).text();
      assert.match(metrics, /^streamqc_cluster_unassigned_channels 2$/m);
      assert.match(metrics, /^streamqc_cluster_held_tasks 2$/m);
    } finally {
      Object.assign(t.api, { clusterStatus: undefined });
    }
  });

  it('serves Prometheus metrics in which every sample line is well formed', async () => {
    t.api.channels.set(
      'two',
      fakeChannelStatus('two', {
        name: 'Two "HD"\\ news',
        state: 'degraded',
        processingLagSeconds: null,
        latest: {
          black: { blackRatio: 0.25, meanLuma: 40, blackFrames: 6 },
          loudness: { shortTermLufs: -23.1, momentaryLufs: null, integratedLufs: -24 },
          'av-sync': { offsetMs: 80, pairs: 3 },
          'decode-error': { corruptFrames: 2, rejectedPackets: 0 },
          'true-peak': { truePeakDbtp: [-1.5, null] },
          broken: 'not an object',
        },
      }),
    );
    t.api.incidents.set('m1', fakeIncident('m1', { channelId: 'two', kind: 'black', severity: 'critical' }));
    t.api.incidents.set('m2', fakeIncident('m2', { channelId: 'two', kind: 'black', severity: 'critical' }));
    t.api.incidents.set('m3', fakeIncident('m3', { channelId: 'two', kind: 'silence', state: 'closed' }));
    t.api.counterValues = {
      restartsByChannel: { two: 3 },
      chunksByChannel: { one: 10, two: 20 },
      receiveDropsByChannel: { two: 1 },
      incidentsRaised: 7,
      notificationsFailed: 1,
    };
    const response = await t.request('/metrics');
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
    const text = await response.text();
    assert.ok(text.endsWith('\n'));
    const lines = text.slice(0, -1).split('\n');
    for (const line of lines) {
      if (line.startsWith('# HELP ') || line.startsWith('# TYPE ')) continue;
      assert.match(line, sampleLine);
    }
    const typed = lines.filter((line) => line.startsWith('# TYPE ')).map((line) => line.split(' ')[2]);
    assert.equal(new Set(typed).size, typed.length, 'each family has one TYPE line');

    const expected = [
      'streamqc_ready 1',
      'streamqc_channel_up{channel="two"} 1',
      'streamqc_channel_state{channel="two",state="degraded"} 1',
      'streamqc_channel_state{channel="two",state="ok"} 0',
      'streamqc_channel_info{channel="two",name="Two \\"HD\\"\\\\ news"} 1',
      'streamqc_decode_fps{channel="two"} 25',
      'streamqc_channel_cpu_percent{channel="two"} 12.5',
      'streamqc_channel_restarts_total{channel="two"} 3',
      'streamqc_chunks_total{channel="one"} 10',
      'streamqc_receive_drops_total{channel="two"} 1',
      'streamqc_open_incidents{channel="two",kind="black",severity="critical"} 2',
      'streamqc_incidents_raised_total 7',
      'streamqc_notifications_failed_total 1',
      'streamqc_black_ratio{channel="two"} 0.25',
      'streamqc_loudness_short_term_lufs{channel="two"} -23.1',
      'streamqc_av_offset_seconds{channel="two"} 0.08',
      'streamqc_corrupt_frames{channel="two"} 2',
      'streamqc_detector_measurement{channel="two",detector="black",name="meanLuma"} 40',
      'streamqc_detector_measurement{channel="two",detector="true-peak",name="truePeakDbtp",audio_channel="0"} -1.5',
    ];
    for (const line of expected) assert.ok(lines.includes(line), `missing: ${line}`);
    assert.ok(!text.includes('streamqc_processing_lag_seconds{channel="two"}'), 'null figures are left out');
    assert.ok(!text.includes('momentaryLufs'), 'null measurements are left out');
    assert.ok(!text.includes('kind="silence"'), 'closed incidents are not open');
    assert.doesNotMatch(text, /secretpw/);
    assert.match(text, /^process_cpu_seconds_total \d/m);
  });

  it('answers unknown routes with 404 and wrong methods with 405, both as JSON errors', async () => {
    const unknown = await t.request('/api/nothing-here');
    assert.equal(unknown.status, 404);
    assert.equal((await errorOf(unknown)).code, 'NOT_FOUND');
    const wrongMethod = await t.request('/healthz', { method: 'POST' });
    assert.equal(wrongMethod.status, 405);
    assert.equal(wrongMethod.headers.get('allow'), 'GET');
    assert.equal((await errorOf(wrongMethod)).code, 'METHOD_NOT_ALLOWED');
  });

  it('answers a failure inside the monitor with 500, a generic message and no stack, and logs it', async () => {
    const original = t.api.listChannels.bind(t.api);
    t.api.listChannels = () => {
      throw new Error('database at /var/lib/streamqc/secret.db is locked');
    };
    try {
      const response = await t.request('/api/channels');
      assert.equal(response.status, 500);
      const text = await response.text();
      assert.doesNotMatch(text, /secret\.db|at .*\.ts:/);
      assert.deepEqual(JSON.parse(text), { error: { code: 'INTERNAL', message: 'internal error' } });
      assert.ok(t.logged.some((line) => line.level === 'error' && line.message === 'API request failed'));
    } finally {
      t.api.listChannels = original;
    }
  });
  it('answers a passing outage (a retryable StreamqcError) with 503 and Retry-After', async () => {
    const original = t.api.listIncidents.bind(t.api);
    t.api.listIncidents = () => {
      throw new StreamqcError('CONNECT_FAILED', 'store at /var/lib/streamqc/x.db is busy');
    };
    try {
      const response = await t.request('/api/incidents');
      assert.equal(response.status, 503);
      assert.equal(response.headers.get('retry-after'), '5');
      const { code, message } = await errorOf(response);
      assert.equal(code, 'UNAVAILABLE');
      assert.doesNotMatch(message, /x\.db/);
    } finally {
      t.api.listIncidents = original;
    }
  });
});

describe('API server lifecycle', () => {
  it('rejects with BAD_CONFIG when the port is taken', async () => {
    const t = await startTestServer();
    const port = Number(new URL(t.server.url).port);
    await assert.rejects(
      startApiServer({ api: t.api, port, tokens: [], evidenceDirectory: t.evidenceDirectory }),
      (error: unknown) =>
        error instanceof StreamqcError && error.code === 'BAD_CONFIG' && /EADDRINUSE/.test(error.message),
    );
    await t.server.close();
  });

  it('ends open event streams and stops listening', async () => {
    const t = await startTestServer();
    const client = await openEventStream(`${t.server.url}/api/events`);
    await client.waitFor(/streamqc events/);
    await t.server.close();
    await client.ended;
    assert.equal(t.api.listeners.size, 0);
    await assert.rejects(fetch(`${t.server.url}/healthz`));
  });
});
