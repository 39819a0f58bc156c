/**
 * The compiled service (npm run build first), for the benchmarks and the soak run, so workers and senders run
 * as users run them: plain node, no TypeScript loader in every process. Typed from the sources.
 */
const distPath = (path: string) => new URL(`../dist/${path}`, import.meta.url).href;

export const { startService } = (await import(
  distPath('cli/run-command.js')
)) as typeof import('../src/cli/run-command.js');
export const { parseServiceConfig } = (await import(
  distPath('config/service-config.js')
)) as typeof import('../src/config/service-config.js');
export const { startLiveSender } = (await import(
  distPath('synth/live-sender.js')
)) as typeof import('../src/synth/live-sender.js');
