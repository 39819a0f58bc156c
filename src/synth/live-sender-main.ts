import { sendForever, type SenderFormat } from './live-sender.js';

const [file, url, format = 'mpegts'] = process.argv.slice(2);
if (!file || !url || !['mpegts', 'flv', 'rtsp'].includes(format)) {
  process.stderr.write('usage: live-sender-main <file> <url> [mpegts|flv|rtsp]\n');
  process.exit(2);
}
await sendForever(file, url, format as SenderFormat);
