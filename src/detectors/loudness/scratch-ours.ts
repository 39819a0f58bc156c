import { analyzeFile } from '../../test-support/analyze.js';
for (const f of process.argv.slice(2)) {
  const t = performance.now();
  const r = await analyzeFile('../shared/media/' + f, ['loudness', 'true-peak']);
  console.log(f, JSON.stringify(r.summary.detectors), JSON.stringify(r.summary.detectorCpuMs), Math.round(performance.now() - t), r.events.length, JSON.stringify(r.events).slice(0, 300));
}
