/** Plays one file in a loop to several UDP URLs from one process (many light test channels, one Node). */
import { sendForever } from '../synth/live-sender.js';

const [file, ...urls] = process.argv.slice(2);
if (!file || urls.length === 0) {
  process.stderr.write('usage: live-senders-main <file> <url>...\n');
  process.exit(2);
}
await Promise.all(urls.map((url) => sendForever(file, url)));
