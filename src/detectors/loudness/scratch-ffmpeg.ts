import { Filter, FilterGraph, Frame, Packet } from 'node-av/lib';
import { AVERROR_EAGAIN, AVERROR_EOF } from 'node-av/constants';
import { openInput } from '../../media/open-input.js';

const path = process.argv[2]!;
const input = await openInput(path, {
  connectTimeoutMs: 5000,
  wantVideo: false,
  wantAudio: true,
  decoderThreads: 1,
});
const audio = input.audio!;
const dec = audio.decoder;
const graph = new FilterGraph();
graph.alloc();
const layout = dec.channelLayout;
console.log('layout', layout, dec.sampleRate, dec.sampleFormat);
const src = graph.createFilter(
  Filter.getByName('abuffer')!,
  'in',
  `time_base=1/${dec.sampleRate}:sample_rate=${dec.sampleRate}:sample_fmt=${dec.sampleFormat}:channel_layout=0x${(layout.mask || (layout.nbChannels === 1 ? 4n : 3n)).toString(16)}`,
)!;
const r128 = graph.createFilter(Filter.getByName('ebur128')!, 'r128', 'peak=true:metadata=1')!;
const sink = graph.createFilter(Filter.getByName('abuffersink')!, 'out', null)!;
console.log(src.link(0, r128, 0), r128.link(0, sink, 0), graph.configSync());
const packet = new Packet();
packet.alloc();
const frame = new Frame();
frame.alloc();
const out = new Frame();
out.alloc();
let last: Record<string, string> = {};
const drainSink = () => {
  for (;;) {
    const r = sink.buffersinkGetFrameSync(out);
    if (r < 0) return;
    const md = out.getMetadata().getAll();
    if (Object.keys(md).length) last = md;
    out.unref();
  }
};
const drainDec = () => {
  for (;;) {
    const r = dec.receiveFrameSync(frame);
    if (r === AVERROR_EAGAIN || r === AVERROR_EOF || r < 0) return;
    src.buffersrcAddFrameSync(frame);
    frame.unref();
    drainSink();
  }
};
for (;;) {
  const r = input.format.readFrameSync(packet);
  if (r < 0) break;
  if (packet.streamIndex === audio.stream.index) {
    dec.sendPacketSync(packet);
    drainDec();
  }
  packet.unref();
}
dec.sendPacketSync(null);
drainDec();
src.buffersrcAddFrameSync(null);
drainSink();
console.log(last);
input.close();
