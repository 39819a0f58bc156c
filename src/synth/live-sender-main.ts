import { sendForever } from './live-sender.js';

const [file, url] = process.argv.slice(2);
if (!file || !url) {
  process.stderr.write('usage: live-sender-main <file> <url>\n');
  process.exit(2);
}
await sendForever(file, url);
