/**
 * What an input may open: the protocols a deployment allows and the local directories files may come
 * from. Checked when a channel is configured or added, again before each open, and handed to FFmpeg as the
 * input's `protocol_whitelist`, which FFmpeg passes on to every nested open (an HLS playlist's segments,
 * its reloads, a redirect), so a remote playlist cannot make the monitor read a local file or reach a
 * protocol the deployment did not allow.
 */
import { realpath } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { StreamqcError } from '../errors/streamqc-error.js';

/** Protocols a deployment may allow, by the names used in input URLs (`hls` is FFmpeg's `hls+http://`). */
export const inputProtocols = [
  'http',
  'https',
  'hls',
  'udp',
  'rtp',
  'srt',
  'rtmp',
  'rtmps',
  'rtsp',
  'tcp',
] as const;
export type InputProtocol = (typeof inputProtocols)[number];

export const defaultInputProtocols: readonly InputProtocol[] = [
  'http',
  'https',
  'hls',
  'udp',
  'rtp',
  'srt',
  'rtmp',
  'rtsp',
];

export interface InputPolicy {
  readonly allowedProtocols: readonly InputProtocol[];
  /** Local files only inside these directories (absolute paths); `'any'` for the one-shot `analyze` command. */
  readonly localDirectories: readonly string[] | 'any';
  /** Redirects FFmpeg's HTTP client follows for the input's own URL (nested opens keep FFmpeg's cap of 8). */
  readonly maxRedirects: number;
}

/** The `analyze` command reads what its user names: any local file, and the default network protocols. */
export const oneShotInputPolicy: InputPolicy = {
  allowedProtocols: defaultInputProtocols,
  localDirectories: 'any',
  maxRedirects: 5,
};

/**
 * FFmpeg protocols each allowed protocol needs underneath: https runs over tls and tcp, an RTSP session
 * opens rtp, udp and tcp, an HLS playlist's AES-128 segments go through crypto.
 */
const protocolStack: Readonly<Record<InputProtocol, readonly string[]>> = {
  http: ['http', 'tcp'],
  https: ['https', 'tls', 'tcp'],
  hls: ['hls', 'crypto'],
  udp: ['udp'],
  rtp: ['rtp', 'udp'],
  srt: ['srt'],
  rtmp: ['rtmp', 'tcp'],
  rtmps: ['rtmps', 'tls', 'tcp'],
  rtsp: ['rtsp', 'rtp', 'udp', 'tcp'],
  tcp: ['tcp'],
};

/** An HTTP-delivered input may be redirected or name segments on any of these the deployment allows. */
const webProtocols: readonly InputProtocol[] = ['http', 'https', 'hls'];

/** What an allowed input is, and the `protocol_whitelist` FFmpeg gets for it. */
export type CheckedInput =
  | { readonly kind: 'network'; readonly protocols: readonly InputProtocol[]; readonly whitelist: string }
  | { readonly kind: 'file'; readonly path: string; readonly whitelist: string };

/** A local input reads local files only: never a network protocol, whatever a local playlist names. */
const localWhitelist = 'file,crypto';

function isInputProtocol(name: string): name is InputProtocol {
  return (inputProtocols as readonly string[]).includes(name);
}

function refuse(message: string): StreamqcError {
  return new StreamqcError('INPUT_NOT_ALLOWED', message);
}

/**
 * The protocol FFmpeg would pick for the URL (`hls+https` for a compound one), or null for a plain path,
 * by FFmpeg's own rule: the scheme characters before a colon, or its `subfile,` form. Drive letters are paths.
 */
function schemeOf(url: string): string | null {
  if (/^subfile,/i.test(url)) return 'subfile';
  const match = /^([a-z0-9+.-]+):/i.exec(url);
  if (!match?.[1] || /^[a-z]$/i.test(match[1])) return null;
  return match[1].toLowerCase();
}

/**
 * The path FFmpeg's file protocol opens: it drops `file:` and nothing else, so `file://etc/passwd` is
 * `//etc/passwd`, that is `/etc/passwd`, and `%2e` stays as it is written.
 */
function localPathOf(url: string): string {
  return url.toLowerCase().startsWith('file:') ? url.slice('file:'.length) : url;
}

function isInside(directory: string, path: string): boolean {
  const rel = relative(directory, path);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

function checkLocal(url: string, policy: InputPolicy): CheckedInput {
  const path = resolve(localPathOf(url));
  if (policy.localDirectories === 'any') return { kind: 'file', path, whitelist: localWhitelist };
  if (policy.localDirectories.length === 0) {
    throw refuse('local files are not allowed (inputs.localDirectories is empty)');
  }
  if (!policy.localDirectories.some((directory) => isInside(resolve(directory), path))) {
    throw refuse('local file outside inputs.localDirectories');
  }
  return { kind: 'file', path, whitelist: localWhitelist };
}

/**
 * Checks an input URL or path against the policy (no I/O). The error names the protocol, never the URL,
 * which may hold credentials.
 */
export function checkInputUrl(url: string, policy: InputPolicy): CheckedInput {
  const scheme = schemeOf(url);
  if (scheme === null || scheme === 'file') return checkLocal(url, policy);
  const parts = scheme.split('+');
  for (const part of parts) {
    if (!isInputProtocol(part)) throw refuse(`protocol '${part}' is not one FFmpeg may open for an input`);
    if (!policy.allowedProtocols.includes(part)) {
      throw refuse(`protocol '${part}' is not allowed (inputs.allowedProtocols)`);
    }
  }
  const protocols = parts as InputProtocol[];
  const reachable = new Set<string>();
  for (const protocol of protocols) for (const name of protocolStack[protocol]) reachable.add(name);
  if (protocols.some((protocol) => webProtocols.includes(protocol))) {
    for (const protocol of webProtocols) {
      if (policy.allowedProtocols.includes(protocol))
        for (const name of protocolStack[protocol]) reachable.add(name);
    }
  }
  return { kind: 'network', protocols, whitelist: [...reachable].join(',') };
}

/**
 * The local path as the file system resolves it (symbolic links followed) must still lie inside an allowed
 * directory. A missing file passes here: opening it then reports that it is missing.
 */
export async function checkLocalFileOnDisk(checked: CheckedInput, policy: InputPolicy): Promise<void> {
  if (checked.kind !== 'file' || policy.localDirectories === 'any') return;
  let real: string;
  try {
    real = await realpath(checked.path);
  } catch {
    return;
  }
  const directories = await Promise.all(
    policy.localDirectories.map((directory) => realpath(directory).catch(() => resolve(directory))),
  );
  if (!directories.some((directory) => isInside(directory, real))) {
    throw refuse('local file outside inputs.localDirectories (through a link)');
  }
}

/** FFmpeg options that carry the policy into the open and every nested open. */
export function ffmpegPolicyOptions(checked: CheckedInput, policy: InputPolicy): Record<string, string> {
  const options: Record<string, string> = { protocol_whitelist: checked.whitelist };
  if (checked.kind === 'network') {
    options.max_redirects = String(policy.maxRedirects);
    // Room for a large multi-programme transport stream; FFmpeg's default is 1000.
    options.max_streams = '256';
  }
  return options;
}

/**
 * FFmpeg reports a protocol refused by the whitelist in its log (the open itself fails only with "invalid
 * data"): the log callback hands every line here, and `refusedProtocolSince` names the refused protocol.
 */
let refusals = 0;
let lastRefusedProtocol = '';
const refusalPattern = /Protocol '([^']*)' not on whitelist/;

export function noteFfmpegLogLine(message: string): void {
  const match = refusalPattern.exec(message);
  if (!match) return;
  refusals += 1;
  lastRefusedProtocol = match[1] ?? '';
}

export function refusalCount(): number {
  return refusals;
}

/** The protocol FFmpeg last refused, if it refused one after `mark` (from `refusalCount()`). */
export function refusedProtocolSince(mark: number): string | null {
  return refusals > mark ? lastRefusedProtocol : null;
}
