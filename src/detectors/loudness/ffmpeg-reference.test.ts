/**
 * Real content against FFmpeg's ebur128 filter (through node-av's filter graph): integrated loudness within
 * 0.2 LU, loudness range within 1 LU, maximum true peak within 0.5 dB.
 *
 * FFmpeg is fed the clip resampled to 48 kHz (`aresample=48000,ebur128=peak=true`). BS.1770-4 specifies
 * K-weighting at 48 kHz; FFmpeg's ebur128 (in the FFmpeg node-av 6.1.1 ships) redesigns it at the input's
 * own rate with the high-pass numerator fixed at 1, -2, 1, whose pass-band gain grows as the rate falls:
 * on the 8 kHz clip it reads -19.59 LUFS at 8 kHz but -19.79 LUFS at 48 kHz. streamqc keeps the 48 kHz
 * response at every rate, so it agrees with the resampled measurement (-19.78). At 44.1 and 48 kHz the two
 * FFmpeg readings differ by at most 0.01 LU.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Filter, FilterGraph, Frame, Packet } from 'node-av/lib';
import { AVERROR_EAGAIN, AVERROR_EOF } from 'node-av/constants';
import { openInput } from '../../media/open-input.js';
import { analyzeFile, realMediaDirectory, realMediaSkipReason } from '../../test-support/analyze.js';

interface Ebur128Summary {
  readonly integratedLufs: number;
  readonly loudnessRangeLu: number;
  readonly truePeakDbtp: number;
}

/** Channel layout mask for abuffer: the decoder's, or FFmpeg's default for the channel count when unset. */
function layoutMask(mask: bigint, channelCount: number): bigint {
  if (mask !== 0n) return mask;
  const defaults: Record<number, bigint> = { 1: 0x4n, 2: 0x3n, 6: 0x3fn };
  const fallback = defaults[channelCount];
  if (fallback === undefined) throw new Error(`no default layout for ${channelCount} channels`);
  return fallback;
}

/** Decodes the best audio stream and runs it through abuffer -> aresample -> ebur128 -> abuffersink. */
async function ffmpegEbur128(path: string): Promise<Ebur128Summary> {
  const input = await openInput(path, {
    connectTimeoutMs: 5000,
    wantVideo: false,
    wantAudio: true,
    decoderThreads: 1,
  });
  const graph = new FilterGraph();
  const packet = new Packet();
  const frame = new Frame();
  const filtered = new Frame();
  try {
    const audio = input.audio;
    assert.ok(audio, 'no audio stream');
    const decoder = audio.decoder;
    graph.alloc();
    packet.alloc();
    frame.alloc();
    filtered.alloc();
    const mask = layoutMask(decoder.channelLayout.mask, decoder.channelLayout.nbChannels);
    const chain: [string, string | null][] = [
      [
        'abuffer',
        `time_base=1/${decoder.sampleRate}:sample_rate=${decoder.sampleRate}:` +
          `sample_fmt=${decoder.sampleFormat}:channel_layout=0x${mask.toString(16)}`,
      ],
      ['aresample', '48000'],
      // metadata=1 puts the running figures on every frame that completes a 100 ms step.
      ['ebur128', 'peak=true:metadata=1'],
      ['abuffersink', null],
    ];
    const contexts = chain.map(([name, args], index) => {
      const filter = Filter.getByName(name);
      assert.ok(filter, `FFmpeg has no ${name} filter`);
      const context = graph.createFilter(filter, `f${index}`, args);
      assert.ok(context, `cannot create ${name}`);
      return context;
    });
    contexts.slice(1).forEach((context, index) => assert.equal(contexts[index]?.link(0, context, 0), 0));
    assert.equal(graph.configSync(), 0, 'filter graph does not configure');
    const source = contexts[0];
    const sink = contexts.at(-1);
    assert.ok(source && sink);

    let latest: Record<string, string> = {};
    const drainSink = (): void => {
      while (sink.buffersinkGetFrameSync(filtered) >= 0) {
        const metadata = filtered.getMetadata().getAll();
        if (metadata['lavfi.r128.I'] !== undefined) latest = metadata;
        filtered.unref();
      }
    };
    const drainDecoder = (): void => {
      for (;;) {
        const received = decoder.receiveFrameSync(frame);
        if (received === AVERROR_EAGAIN || received === AVERROR_EOF || received < 0) return;
        assert.ok(source.buffersrcAddFrameSync(frame) >= 0);
        frame.unref();
        drainSink();
      }
    };
    while (input.format.readFrameSync(packet) >= 0) {
      if (packet.streamIndex === audio.stream.index && decoder.sendPacketSync(packet) >= 0) drainDecoder();
      packet.unref();
    }
    decoder.sendPacketSync(null);
    drainDecoder();
    source.buffersrcAddFrameSync(null);
    drainSink();
    const truePeak = Number(latest['lavfi.r128.true_peak']);
    return {
      integratedLufs: Number(latest['lavfi.r128.I']),
      loudnessRangeLu: Number(latest['lavfi.r128.LRA']),
      truePeakDbtp: 20 * Math.log10(truePeak),
    };
  } finally {
    graph.free();
    packet.free();
    frame.free();
    filtered.free();
    input.close();
  }
}

const directory = realMediaDirectory();
const clips = [
  'boswars-intro.ogv', // loud music, 44.1 kHz stereo
  'asterisk-demo-echotest.wav', // speech, 8 kHz mono
  'bbb-1080p-30s.mp4', // film, 48 kHz 5.1
  'chid-5.1-spoken.mp4', // speech on one 5.1 channel at a time, 44.1 kHz
  'boswars-speech-01.wav', // narration, 22.05 kHz mono
  'linphone-hello16k.wav', // speech, 16 kHz mono
];

describe(
  'loudness and true peak against FFmpeg ebur128',
  { skip: directory === null ? realMediaSkipReason : false },
  () => {
    for (const clip of clips) {
      it(clip, async (t) => {
        const path = join(directory ?? '', clip);
        const report = await analyzeFile(path, ['loudness', 'true-peak']);
        const reference = await ffmpegEbur128(path);
        const loudness = report.summary.detectors.loudness as Record<string, number>;
        const truePeak = report.summary.detectors['true-peak'] as Record<string, number>;
        const compared =
          `streamqc I ${loudness.integratedLufs} LRA ${loudness.loudnessRangeLu} TP ${truePeak.maxTruePeakDbtp}; ` +
          `ffmpeg I ${reference.integratedLufs} LRA ${reference.loudnessRangeLu} TP ${reference.truePeakDbtp.toFixed(2)}`;
        t.diagnostic(compared);
        assert.ok(Math.abs((loudness.integratedLufs ?? NaN) - reference.integratedLufs) <= 0.2, compared);
        assert.ok(Math.abs((loudness.loudnessRangeLu ?? NaN) - reference.loudnessRangeLu) <= 1, compared);
        assert.ok(Math.abs((truePeak.maxTruePeakDbtp ?? NaN) - reference.truePeakDbtp) <= 0.5, compared);
      });
    }
  },
);
