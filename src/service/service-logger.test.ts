/** Credentials in channel URLs: the one redaction function, and the logger that applies it to every `url` field. */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { redactUrl } from './model.js';
import { createServiceLogger } from './service-logger.js';

const secrets = ['hunter2', 's3cretpass', 'tok123', 'sigvalue', 'apikey9'];

function assertNoSecret(text: string): void {
  for (const secret of secrets) assert.ok(!text.includes(secret), `${secret} leaked in: ${text}`);
}

describe('credential redaction', () => {
  it('hides passwords, token-like users and secret query values, and keeps the rest', () => {
    assert.equal(
      redactUrl('rtsp://admin:hunter2@camera.local:554/stream?channel=1'),
      'rtsp://admin:***@camera.local:554/stream?channel=1',
    );
    assert.equal(redactUrl('https://tok123@cdn.example/live.m3u8'), 'https://***@cdn.example/live.m3u8');
    const signed = redactUrl(
      'https://cdn.example/live.m3u8?token=tok123&Signature=sigvalue&api_key=apikey9&w=1',
    );
    assertNoSecret(signed);
    assert.match(signed, /cdn\.example\/live\.m3u8\?token=\*\*\*&Signature=\*\*\*&api_key=\*\*\*&w=1/);
    assert.equal(
      redactUrl('srt://host:9000?passphrase=s3cretpass&mode=caller'),
      'srt://host:9000?passphrase=***&mode=caller',
    );
    assert.equal(redactUrl('/media/clip.ts'), '/media/clip.ts');
  });

  it('redacts by pattern what the URL parser refuses', () => {
    const odd = redactUrl('udp://user:hunter2@[bad-host:5000?pkt_size=1316&auth=tok123');
    assertNoSecret(odd);
    assert.match(odd, /^udp:\/\/\*\*\*@\[bad-host:5000\?pkt_size=1316&auth=\*\*\*$/);
  });

  it('the service logger redacts url fields wherever they sit', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const logger = createServiceLogger('info', sink);
    logger.info({ url: 'rtsp://admin:hunter2@cam/s' }, 'top level');
    logger.info({ channel: { id: 'a', url: 'https://x/y.m3u8?token=tok123' } }, 'nested');
    logger.info({ channels: [{ url: 'srt://h:1?passphrase=s3cretpass' }] }, 'in a list');
    assert.equal(lines.length, 3);
    for (const line of lines) assertNoSecret(line);
    assert.match(lines[0] ?? '', /rtsp:\/\/admin:\*\*\*@cam\/s/);
    assert.match(lines[2] ?? '', /srt:\/\/h:1\?passphrase=\*\*\*/);
  });
});
