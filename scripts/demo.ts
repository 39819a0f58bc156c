/**
 * `npm start`: the monitor on three local live channels with faults on a schedule, with SQLite storage and
 * the HTTP API on http://127.0.0.1:8080. Each channel is a one-minute clip that a sender process plays in a
 * loop at real-time speed as MPEG-TS over UDP on 127.0.0.1, so the monitor reads them as it would read a
 * headend's multicast. Incidents appear within a minute. `npm start -- --seconds 90` stops by itself.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { hashToken } from '../src/api/token-hash.js';
import { startService } from '../src/cli/run-command.js';
import { parseServiceConfig } from '../src/config/service-config.js';
import { createServiceLogger } from '../src/service/service-logger.js';
import { prepareDemoChannels } from '../src/synth/demo-channels.js';
import { startLiveSender } from '../src/synth/live-sender.js';

const { values } = parseArgs({ options: { seconds: { type: 'string' }, port: { type: 'string' } } });
const dataDirectory = join(import.meta.dirname, '..', 'streamqc-data');
const port = Number(values.port ?? process.env.PORT ?? 8080);
// Reads need no token from this machine (http.anonymousReads: loopback); changes need this admin token.
const token = process.env.STREAMQC_API_TOKEN ?? randomBytes(16).toString('hex');

process.stdout.write('preparing the demo channels (first run only)...\n');
const channels = await prepareDemoChannels(join(dataDirectory, 'demo-media'));
const udpBasePort = Number(process.env.STREAMQC_DEMO_UDP_PORT ?? 23_000);
const udpUrl = (index: number) => `udp://127.0.0.1:${udpBasePort + index}`;
const senders = channels.map((channel, index) =>
  startLiveSender(channel.file, `${udpUrl(index)}?pkt_size=1316`),
);
const config = parseServiceConfig(
  {
    http: { port, tokens: [{ name: 'demo', role: 'admin', hash: await hashToken(token) }] },
    storage: { path: join(dataDirectory, 'demo.db'), evidenceDirectory: join(dataDirectory, 'evidence') },
    alerts: { defaults: { raiseAfterSeconds: 5, clearAfterSeconds: 5 } },
    channels: channels.map((c, index) => ({ id: c.id, name: c.name, url: udpUrl(index) })),
  },
  'demo config',
);
const logger = createServiceLogger(process.env.STREAMQC_LOG_LEVEL ?? 'warn', pino.destination(2));
const service = await startService(config, logger);
const url = service.apiUrl;
process.stdout.write(
  [
    '',
    `streamqc is monitoring ${channels.length} demo channels (data in ${dataDirectory}):`,
    ...channels.map((c, index) => `  ${c.id.padEnd(6)} ${udpUrl(index)}  ${c.faults}, every minute`),
    '',
    `API: ${url}   admin token for changes: ${token}   (reads from this machine need none)`,
    `Dashboard: ${url}/`,
    `  curl ${url}/api/channels`,
    `  curl '${url}/api/incidents?state=open'`,
    `  curl -N ${url}/api/events            (live feed)`,
    `  curl ${url}/metrics`,
    `  curl -X POST -H 'Authorization: Bearer ${token}' ${url}/api/incidents/<id>/ack`,
    '',
    'incidents as they happen (Ctrl-C to stop):',
    '',
  ].join('\n'),
);
service.monitor.subscribe((event) => {
  if (event.type !== 'incident') return;
  const { incident, kind } = event.transition;
  const at = new Date(event.transition.atMs).toISOString().slice(11, 19);
  const channel = incident.channel === undefined ? '' : ` (audio channel ${incident.channel})`;
  process.stdout.write(
    `${at}  ${kind.padEnd(12)} ${incident.severity.padEnd(8)} ${incident.channelId.padEnd(6)} ${incident.kind}${channel}\n`,
  );
});

await new Promise<void>((resolve) => {
  process.once('SIGINT', () => resolve());
  process.once('SIGTERM', () => resolve());
  if (values.seconds) setTimeout(resolve, Number(values.seconds) * 1000);
});
process.stdout.write('stopping: flushing results...\n');
await service.stop();
await Promise.all(senders.map((sender) => sender.close()));
