/**
 * `npm run eval:speech [-- --quick | --full] [--seed N] [--speakers en-gb,flite] [--threshold N]
 * [--competitor words|phones] [--latency N] [--no-human] [--trials] [--quiet]`:
 * one JSON report on stdout; per-voice, per-condition and per-rate tables and the PASS/FAIL lines
 * on stderr. Default: the development set plus a seeded, stratified sample of the held-out matrix
 * (≤ 15 min on a 2-core machine); --quick ≤ 3 min; --full every trial (hours). Exit 0 when every
 * target is met, 1 when one is missed, 2 when the tools are missing (espeak-ng, flite, sox,
 * pocketsphinx) or the options are wrong.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { findOnPath } from '../proc.js';
import { evaluateSpeech } from './evaluate.js';
import { formatTable, formatVerdict } from './score.js';

const optionsSchema = z
  .object({
    quick: z.boolean().optional(),
    full: z.boolean().optional(),
    seed: z.coerce
      .number()
      .int()
      .min(0)
      .max(2 ** 31)
      .optional(),
    speakers: z.string().min(1).optional(),
    threshold: z.coerce.number().finite().optional(),
    'short-slope': z.coerce.number().finite().optional(),
    'loop-weight': z.coerce.number().finite().optional(),
    competitor: z.enum(['words', 'phones']).optional(),
    latency: z.coerce.number().int().min(0).max(200).optional(),
    'no-human': z.boolean().optional(),
    quiet: z.boolean().optional(),
    trials: z.boolean().optional(),
  })
  .refine((o) => !(o.quick && o.full), { message: '--quick and --full exclude each other' });

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean' },
      full: { type: 'boolean' },
      seed: { type: 'string' },
      speakers: { type: 'string' },
      threshold: { type: 'string' },
      'short-slope': { type: 'string' },
      'loop-weight': { type: 'string' },
      competitor: { type: 'string' },
      latency: { type: 'string' },
      'no-human': { type: 'boolean' },
      quiet: { type: 'boolean' },
      trials: { type: 'boolean' },
    },
    allowPositionals: false,
  });
  const parsed = optionsSchema.safeParse(values);
  if (!parsed.success) throw new Error(parsed.error.issues.map((i) => `${i.path.join('.') || 'options'}: ${i.message}`).join('; '));
  const o = parsed.data;
  const missing = ['espeak-ng', 'flite', 'sox', 'pocketsphinx_continuous'].filter((b) => !findOnPath(b));
  if (missing.length) {
    process.stdout.write(
      `${JSON.stringify({ error: `missing tools: ${missing.join(', ')}`, install: 'apt-get install -y pocketsphinx pocketsphinx-en-us espeak-ng flite sox pocketsphinx-testdata' })}\n`,
    );
    return 2;
  }
  const report = await evaluateSpeech({
    mode: o.quick ? 'quick' : o.full ? 'full' : 'default',
    seed: o.seed,
    speakers: o.speakers?.split(',').map((s) => s.trim()),
    latencySamples: o.latency,
    human: o['no-human'] ? false : undefined,
    includeTrials: o.trials,
    stt: { threshold: o.threshold, shortSlope: o['short-slope'], competitor: o.competitor, loopWeight: o['loop-weight'] },
    log: o.quiet ? undefined : (l) => process.stderr.write(`eval:speech: ${l}\n`),
  });
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  const h = report.heldOut;
  process.stderr.write(
    [
      '',
      formatTable('development (dev voices, 20 dB)', report.development.perVoice),
      '',
      formatTable(`held-out per voice (${report.mode}, seed ${report.seed})`, h.perSpeaker),
      '',
      formatTable('held-out per condition', h.perCondition),
      '',
      formatTable('held-out per rate', h.perRate),
      '',
      formatTable('overall', { development: report.development, 'held-out': h, all: report.overall }),
      '',
      `latency p50 hands-free ${report.latencyMs.handsFree.p50} ms / push-to-talk ${report.latencyMs.pushToTalk.p50} ms, RTF ${report.realTimeFactor.cpu}, ${report.seconds} s`,
      formatVerdict(h, report.development, report.latencyMs.handsFree.p50, report.realTimeFactor.cpu, report.pass),
      '',
    ].join('\n'),
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
