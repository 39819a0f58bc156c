/**
 * Keeps the evidence directory under its disk quota: when the clips and pictures together pass it, the
 * oldest (by modification time) are deleted until they fit. Only evidence files (`.mp4`, `.ts`, `.jpg`)
 * are counted or deleted, so a directory configured by mistake loses nothing else. An incident whose
 * evidence was deleted keeps its record; the API then answers 404 for the file.
 */
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

export interface EvidenceQuotaOptions {
  readonly directory: string;
  readonly maxBytes: number;
  /** Told about each sweep that deleted something, and about failures (the sweep never throws). */
  readonly onSweep?: (result: SweepResult) => void;
  readonly onError?: (error: unknown) => void;
}

export interface SweepResult {
  readonly deletedFiles: number;
  readonly deletedBytes: number;
  readonly remainingBytes: number;
}

interface EvidenceFile {
  readonly path: string;
  readonly bytes: number;
  readonly modifiedMs: number;
}

const evidenceExtensions = /\.(mp4|ts|jpe?g)$/i;

async function listEvidence(directory: string): Promise<EvidenceFile[]> {
  let entries;
  try {
    entries = await readdir(directory, { recursive: true, withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const files: EvidenceFile[] = [];
  for (const entry of entries) {
    if (!entry.isFile() || !evidenceExtensions.test(entry.name)) continue;
    const path = join(entry.parentPath, entry.name);
    try {
      const info = await stat(path);
      files.push({ path, bytes: info.size, modifiedMs: info.mtimeMs });
    } catch {
      // Deleted meanwhile: nothing to count.
    }
  }
  return files;
}

/** Deletes the oldest evidence files until the rest fit in `maxBytes`. */
export async function sweepEvidence(directory: string, maxBytes: number): Promise<SweepResult> {
  const files = await listEvidence(directory);
  let remainingBytes = files.reduce((sum, file) => sum + file.bytes, 0);
  let deletedFiles = 0;
  let deletedBytes = 0;
  files.sort((a, b) => a.modifiedMs - b.modifiedMs || a.path.localeCompare(b.path));
  for (const file of files) {
    if (remainingBytes <= maxBytes) break;
    await rm(file.path, { force: true });
    remainingBytes -= file.bytes;
    deletedBytes += file.bytes;
    deletedFiles += 1;
  }
  return { deletedFiles, deletedBytes, remainingBytes };
}

/** Sweeps after evidence is written: one sweep at a time, and requests during a sweep fold into one more. */
export class EvidenceQuota {
  private running: Promise<void> | null = null;
  private again = false;
  private closed = false;

  constructor(private readonly options: EvidenceQuotaOptions) {}

  request(): void {
    if (this.closed) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.sweepLoop().finally(() => {
      this.running = null;
    });
  }

  /** Resolves when no sweep is running (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.idle();
  }

  private async sweepLoop(): Promise<void> {
    do {
      this.again = false;
      try {
        const result = await sweepEvidence(this.options.directory, this.options.maxBytes);
        if (result.deletedFiles > 0) this.options.onSweep?.(result);
      } catch (error) {
        this.options.onError?.(error);
      }
    } while (this.again && !this.closed);
  }
}
