/**
 * Real streaming servers from Debian's packages, started on free loopback ports for the input tests:
 * nginx with its RTMP module (libnginx-mod-rtmp) and rtsp-server-perl. Each start returns null with the
 * reason when the package is not installed (.ci/run installs both).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface MediaServer {
  /** Where a sender publishes. */
  readonly publishUrl: string;
  /** Where a player (the monitor) reads. */
  readonly playUrl: string;
  stop(): Promise<void>;
}

export type StartResult = { readonly server: MediaServer } | { readonly skip: string };

const rtmpModule = '/usr/lib/nginx/modules/ngx_rtmp_module.so';

export function randomPort(): number {
  return 20_000 + Math.floor(Math.random() * 20_000);
}

async function waitForPort(port: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return true;
    await sleep(100);
  }
  return false;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

async function startServer(
  command: string,
  args: readonly string[],
  port: number,
  urls: { publishUrl: string; playUrl: string },
  cleanup: () => void,
): Promise<StartResult> {
  const child = spawn(command, args, { stdio: 'ignore' });
  const failed = new Promise<false>((resolve) => child.once('error', () => resolve(false)));
  const ready = await Promise.race([waitForPort(port, 10_000), failed]);
  if (!ready) {
    await stopChild(child);
    cleanup();
    return { skip: `${command} did not start listening on port ${port}` };
  }
  return {
    server: {
      ...urls,
      async stop() {
        await stopChild(child);
        cleanup();
      },
    },
  };
}

/** nginx with the RTMP module: publish and play `rtmp://127.0.0.1:PORT/live/<name>`. */
export async function startRtmpServer(name: string): Promise<StartResult> {
  if (!existsSync('/usr/sbin/nginx') || !existsSync(rtmpModule)) {
    return {
      skip: 'nginx with the RTMP module is not installed (apt-get install nginx-light libnginx-mod-rtmp)',
    };
  }
  const port = randomPort();
  const prefix = mkdtempSync(join(tmpdir(), 'streamqc-rtmp-'));
  mkdirSync(join(prefix, 'logs'));
  writeFileSync(
    join(prefix, 'nginx.conf'),
    [
      `load_module ${rtmpModule};`,
      'daemon off;',
      'master_process off;',
      `error_log ${join(prefix, 'logs', 'error.log')};`,
      `pid ${join(prefix, 'nginx.pid')};`,
      'events { worker_connections 64; }',
      `rtmp { server { listen 127.0.0.1:${port}; application live { live on; } } }`,
      '',
    ].join('\n'),
  );
  const url = `rtmp://127.0.0.1:${port}/live/${name}`;
  return startServer(
    '/usr/sbin/nginx',
    ['-p', prefix, '-c', join(prefix, 'nginx.conf')],
    port,
    { publishUrl: url, playUrl: url },
    () => rmSync(prefix, { recursive: true, force: true }),
  );
}

/** rtsp-server-perl: a sender ANNOUNCEs to the source port, players DESCRIBE on the client port. */
export async function startRtspServer(name: string): Promise<StartResult> {
  if (!existsSync('/usr/bin/rtsp-server-perl')) {
    return { skip: 'rtsp-server-perl is not installed (apt-get install rtsp-server-perl)' };
  }
  const clientPort = randomPort();
  const sourcePort = clientPort + 1;
  return startServer(
    '/usr/bin/rtsp-server-perl',
    [
      '--clientport',
      String(clientPort),
      '--serverport',
      String(sourcePort),
      '--client_listen_address',
      '127.0.0.1',
      '--source_listen_address',
      '127.0.0.1',
      '--rtp_start_port',
      String(clientPort + 2),
    ],
    clientPort,
    {
      publishUrl: `rtsp://127.0.0.1:${sourcePort}/${name}`,
      playUrl: `rtsp://127.0.0.1:${clientPort}/${name}`,
    },
    () => undefined,
  );
}
