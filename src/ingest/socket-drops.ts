/**
 * The kernel's count of datagrams one of our UDP sockets dropped (its receive buffer was full because this
 * process read too slowly): the `drops` column of /proc/net/udp and /proc/net/udp6 (Linux). Node exposes
 * neither the socket's descriptor nor SO_RXQ_OVFL, so the socket is found as the line whose local port is
 * ours and whose inode is one of this process's open sockets (/proc/self/fd). Elsewhere: no count (null).
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

export interface UdpSocketLine {
  readonly localPort: number;
  readonly inode: number;
  readonly drops: number;
}

/** Parses the table of /proc/net/udp or /proc/net/udp6; lines it cannot read are skipped. */
export function parseProcNetUdp(text: string): UdpSocketLine[] {
  const lines: UdpSocketLine[] = [];
  for (const line of text.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    // sl local rem st tx:rx tr:tm retrnsmt uid timeout inode ref pointer drops
    const local = fields[1];
    const inode = Number(fields[9]);
    const drops = Number(fields[12]);
    const portHex = local?.slice(local.lastIndexOf(':') + 1);
    if (!portHex || !Number.isInteger(inode) || !Number.isInteger(drops)) continue;
    lines.push({ localPort: parseInt(portHex, 16), inode, drops });
  }
  return lines;
}

function readTables(): UdpSocketLine[] {
  const lines: UdpSocketLine[] = [];
  for (const path of ['/proc/net/udp', '/proc/net/udp6']) {
    try {
      lines.push(...parseProcNetUdp(readFileSync(path, 'utf8')));
    } catch {
      // No such table (not Linux, IPv6 off).
    }
  }
  return lines;
}

function ownSocketInodes(): Set<number> {
  const inodes = new Set<number>();
  try {
    for (const fd of readdirSync('/proc/self/fd')) {
      try {
        const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`));
        if (match?.[1]) inodes.add(Number(match[1]));
      } catch {
        // The descriptor closed meanwhile.
      }
    }
  } catch {
    // No /proc.
  }
  return inodes;
}

/** Reads the drop counter of this process's UDP socket bound to `localPort`. */
export class SocketDropCounter {
  private inode: number | null = null;

  constructor(private readonly localPort: number) {}

  /** Datagrams dropped since the socket was opened, or null where the kernel does not tell. */
  read(): number | null {
    const lines = readTables();
    if (this.inode === null) {
      const own = ownSocketInodes();
      this.inode = lines.find((l) => l.localPort === this.localPort && own.has(l.inode))?.inode ?? null;
      if (this.inode === null) return null;
    }
    return lines.find((l) => l.inode === this.inode)?.drops ?? null;
  }
}
