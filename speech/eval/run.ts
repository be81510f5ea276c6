/**
 * `npm run eval:speech [-- --threshold N] [--competitor words|phones] [--latency N] [--voices 1]`:
 * one JSON report on stdout, a summary line on stderr. Exit 0 when every target is met, 1 when
 * one is missed, 2 when the tools are missing (espeak-ng, sox, pocketsphinx).
 */
import { parseArgs } from 'node:util';
import { findOnPath } from '../proc.js';
import { evaluateSpeech, TARGETS } from './evaluate.js';
import { EVAL_VOICES } from '../synth.js';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      threshold: { type: 'string' },
      'short-slope': { type: 'string' },
      'loop-weight': { type: 'string' },
      competitor: { type: 'string' },
      latency: { type: 'string' },
      voices: { type: 'string' },
      quiet: { type: 'boolean' },
      trials: { type: 'boolean' },
    },
    allowPositionals: false,
  });
  const missing = ['espeak-ng', 'sox', 'pocketsphinx_continuous'].filter((b) => !findOnPath(b));
  if (missing.length) {
    process.stdout.write(
      `${JSON.stringify({ error: `missing tools: ${missing.join(', ')}`, install: 'apt-get install -y pocketsphinx pocketsphinx-en-us espeak-ng sox pocketsphinx-testdata' })}\n`,
    );
    return 2;
  }
  const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
  const competitor = values.competitor as 'words' | 'phones' | undefined;
  if (competitor && competitor !== 'words' && competitor !== 'phones') throw new Error('--competitor is words or phones');
  const report = await evaluateSpeech({
    voices: EVAL_VOICES.slice(0, num(values.voices) ?? EVAL_VOICES.length),
    latencySamples: num(values.latency),
    includeTrials: values.trials,
    stt: { threshold: num(values.threshold), shortSlope: num(values['short-slope']), competitor, loopWeight: num(values['loop-weight']) },
    log: values.quiet ? undefined : (l) => process.stderr.write(`eval:speech: ${l}\n`),
  });
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  const c = report.commands;
  process.stderr.write(
    `speech: sentence ${(c.sentenceAccuracy! * 100).toFixed(1)}% (target ${TARGETS.sentenceAccuracy * 100}%), plan ${(c.planAccuracy! * 100).toFixed(1)}% (target ${TARGETS.planAccuracy * 100}%), ` +
      `out-of-domain accepted as motion ${report.outOfDomain.acceptedAsMotion}/${report.outOfDomain.trials}, latency p50 hands-free ${report.latencyMs.handsFree.p50} ms / push-to-talk ${report.latencyMs.pushToTalk.p50} ms, ` +
      `RTF ${report.realTimeFactor.cpu} — ${report.pass.all ? 'PASS' : 'FAIL'}\n`,
  );
  return report.pass.all ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`eval:speech: ${(err as Error).message}\n`);
    process.exitCode = 2;
  },
);
