import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { escapeLabelValue, formatPrometheusText, formatSampleValue } from './prometheus-text.js';

describe('prometheus text format', () => {
  it('writes HELP and TYPE once per family, then one line per sample', () => {
    const text = formatPrometheusText([
      {
        name: 'streamqc_chunks_total',
        help: 'Chunks.',
        type: 'counter',
        samples: [
          { labels: { channel: 'a' }, value: 3 },
          { labels: { channel: 'b' }, value: 4 },
        ],
      },
      { name: 'streamqc_ready', help: 'Ready.', type: 'gauge', samples: [{ value: 1 }] },
    ]);
    assert.equal(
      text,
      [
        '# HELP streamqc_chunks_total Chunks.',
        '# TYPE streamqc_chunks_total counter',
        'streamqc_chunks_total{channel="a"} 3',
        'streamqc_chunks_total{channel="b"} 4',
        '# HELP streamqc_ready Ready.',
        '# TYPE streamqc_ready gauge',
        'streamqc_ready 1',
        '',
      ].join('\n'),
    );
  });

  it('escapes backslash, quote and line feed in label values, backslash and line feed in help', () => {
    assert.equal(escapeLabelValue('a\\b"c\nd'), 'a\\\\b\\"c\\nd');
    const text = formatPrometheusText([
      {
        name: 'm',
        help: 'one\\two\nthree "q"',
        type: 'gauge',
        samples: [{ labels: { l: 'x"\n' }, value: 1 }],
      },
    ]);
    assert.match(text, /^# HELP m one\\\\two\\nthree "q"$/m);
    assert.match(text, /^m\{l="x\\"\\n"\} 1$/m);
  });

  it('writes special values as Prometheus spells them', () => {
    assert.equal(formatSampleValue(Number.NaN), 'NaN');
    assert.equal(formatSampleValue(Infinity), '+Inf');
    assert.equal(formatSampleValue(-Infinity), '-Inf');
    assert.equal(formatSampleValue(-0.25), '-0.25');
  });

  it('refuses invalid metric or label names and duplicate families (bugs, not data)', () => {
    assert.throws(() => formatPrometheusText([{ name: 'bad-name', help: '', type: 'gauge', samples: [] }]));
    assert.throws(() =>
      formatPrometheusText([
        { name: 'm', help: '', type: 'gauge', samples: [{ labels: { 'bad-label': 'x' }, value: 1 }] },
      ]),
    );
    const family = { name: 'm', help: '', type: 'gauge', samples: [] } as const;
    assert.throws(() => formatPrometheusText([family, family]));
  });
});
