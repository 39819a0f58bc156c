/** The evidence disk quota: oldest first, evidence files only, sweeps serialised. */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { EvidenceQuota, sweepEvidence } from './evidence-quota.js';

/** Writes `bytes` bytes at `path`, modified `ageSeconds` ago. */
function file(path: string, bytes: number, ageSeconds: number): string {
  writeFileSync(path, Buffer.alloc(bytes, 1));
  const at = new Date(Date.now() - ageSeconds * 1000);
  utimesSync(path, at, at);
  return path;
}

describe('evidence quota', () => {
  it('deletes the oldest evidence first until the rest fit, and nothing that is not evidence', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'streamqc-quota-'));
    mkdirSync(join(directory, 'nested'));
    const oldest = file(join(directory, 'a.mp4'), 4000, 500);
    const oldPicture = file(join(directory, 'nested', 'a.jpg'), 1000, 400);
    const notEvidence = file(join(directory, 'notes.txt'), 50_000, 1000);
    const middle = file(join(directory, 'b.mp4'), 4000, 300);
    const newest = file(join(directory, 'c.mp4'), 4000, 10);
    const newestPicture = file(join(directory, 'c.jpg'), 1000, 10);

    // 14,000 bytes of evidence: the two oldest files go, the oldest first, until 9,000 fit in 9,500.
    const result = await sweepEvidence(directory, 9500);
    assert.deepEqual(result, { deletedFiles: 2, deletedBytes: 5000, remainingBytes: 9000 });
    assert.equal(existsSync(oldest), false);
    assert.equal(existsSync(oldPicture), false);
    for (const kept of [middle, newest, newestPicture, notEvidence]) assert.ok(existsSync(kept), kept);

    const again = await sweepEvidence(directory, 9500);
    assert.equal(again.deletedFiles, 0, 'under the quota: nothing more to delete');
  });

  it('a missing directory is empty', async () => {
    const result = await sweepEvidence(join(tmpdir(), 'streamqc-no-such-evidence-dir'), 1);
    assert.deepEqual(result, { deletedFiles: 0, deletedBytes: 0, remainingBytes: 0 });
  });

  it('requests during a sweep fold into one more sweep that sees the new files', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'streamqc-quota-'));
    const sweeps: number[] = [];
    const quota = new EvidenceQuota({
      directory,
      maxBytes: 2500,
      onSweep: (result) => sweeps.push(result.deletedFiles),
    });
    file(join(directory, '1.mp4'), 1000, 30);
    file(join(directory, '2.mp4'), 1000, 20);
    file(join(directory, '3.mp4'), 1000, 10);
    quota.request();
    file(join(directory, '4.mp4'), 1000, 5);
    quota.request();
    quota.request();
    await quota.idle();
    assert.equal(existsSync(join(directory, '1.mp4')), false);
    assert.equal(existsSync(join(directory, '2.mp4')), false);
    assert.ok(existsSync(join(directory, '3.mp4')) && existsSync(join(directory, '4.mp4')));
    assert.ok(sweeps.length >= 1 && sweeps.length <= 2, `at most two sweeps (${sweeps.join(',')})`);
  });
});
