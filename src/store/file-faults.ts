/**
 * Ways for tests to make files fail that also work as root. Root ignores permission bits (CAP_DAC_OVERRIDE),
 * so `chmod 0444` alone proves nothing there; and the immutable attribute set on a database that is open
 * crashes the process with SIGBUS (SQLite maps the -shm file). Linux only; each returns null where it
 * cannot do its job, so the test can skip.
 */
import { accessSync, chmodSync, constants } from 'node:fs';
import { execFileSync } from 'node:child_process';

function writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

function tryRun(command: string, args: readonly string[]): string | null {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

/**
 * Makes a closed file unwritable: permission bits for an ordinary user, the immutable attribute
 * (`chattr +i`, which binds root too) otherwise. Returns the undo.
 */
export function makeReadOnly(path: string): (() => void) | null {
  chmodSync(path, 0o444);
  const undoChmod = (): void => chmodSync(path, 0o644);
  if (!writable(path)) return undoChmod;
  if (tryRun('chattr', ['+i', path]) !== null && !writable(path)) {
    return () => {
      tryRun('chattr', ['-i', path]);
      undoChmod();
    };
  }
  tryRun('chattr', ['-i', path]);
  undoChmod();
  return null;
}

/**
 * Lowers this process's soft file-size limit (RLIMIT_FSIZE) to `bytes`: a write() past it fails with EFBIG
 * (Node ignores SIGXFSZ), the same failure path as a full disk or a filesystem gone read-only, and it binds
 * root. It applies to every regular file the process writes, so keep the window short; the test runner's
 * output is a pipe and is not affected. Returns the undo.
 */
export function limitFileSize(bytes: number): (() => void) | null {
  if (process.platform !== 'linux') return null;
  const pid = String(process.pid);
  const previous = tryRun('prlimit', ['--pid', pid, '--fsize', '--raw', '--noheadings', '--output=SOFT']);
  if (previous === null || tryRun('prlimit', ['--pid', pid, `--fsize=${bytes}:`]) === null) return null;
  return () => {
    if (tryRun('prlimit', ['--pid', pid, `--fsize=${previous}:`]) === null) {
      throw new Error(`could not restore the file size limit of process ${pid} to ${previous}`);
    }
  };
}
