import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseProcNetUdp, SocketDropCounter } from './socket-drops.js';

const table = [
  '   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops',
  ' 3059: 0100007F:C865 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 343774 2 0000000050a5e810 17',
  '  812: 00000000:14E9 00000000:0000 07 00000000:00000000 00:00000000 00000000   101        0 12345 2 0000000000000000 0',
  'garbage',
].join('\n');

describe('socket drops', () => {
  it('reads the local port, inode and drop count of each line', () => {
    assert.deepEqual(parseProcNetUdp(table), [
      { localPort: 0xc865, inode: 343774, drops: 17 },
      { localPort: 5353, inode: 12345, drops: 0 },
    ]);
  });

  it(
    'counts what the kernel dropped for a socket nobody reads in time',
    { skip: !existsSync('/proc/net/udp') },
    async () => {
      const receiver = createSocket({ type: 'udp4', recvBufferSize: 4096 });
      await new Promise<void>((resolve) => receiver.bind(0, '127.0.0.1', resolve));
      let received = 0;
      receiver.on('message', () => (received += 1));
      const counter = new SocketDropCounter(receiver.address().port);
      assert.equal(counter.read(), 0);
      const sender = createSocket('udp4');
      const datagram = Buffer.alloc(1316, 0x47);
      const sent = 200;
      // Sent in one burst: the event loop cannot read in between, so a 4 KiB buffer overflows.
      await Promise.all(
        Array.from(
          { length: sent },
          () =>
            new Promise<void>((resolve) =>
              sender.send(datagram, receiver.address().port, '127.0.0.1', () => resolve()),
            ),
        ),
      );
      await sleep(200);
      const dropped = counter.read();
      sender.close();
      receiver.close();
      assert.ok((dropped ?? 0) > 0, 'some were dropped');
      assert.equal((dropped ?? 0) + received, sent, 'every datagram was either received or counted dropped');
    },
  );
});
