/**
 * `shammie transcribe FILE [--json]`: what the robot hears in a recording. Any WAV (other
 * rates/channels are converted with sox), or .raw/.pcm 16 kHz mono s16le. The default
 * recognizer uses the grammar of the scene and the skill library in --data, exactly as a live
 * session would; --grammar FILE.gram swaps in a hand-written JSGF grammar.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { argsErrorLine, helpPointer } from './args.js';
import { CliError } from './errors.js';

export const TRANSCRIBE_USAGE = `usage: shammie transcribe FILE [options]

  FILE               a WAV file (any rate or channels; converted with sox), or .raw/.pcm
                     16 kHz mono signed 16-bit little-endian

options:
  --json             print one JSON document (every utterance, confidence, accepted)
  --backend B        pocketsphinx (default, offline), whisper (whisper.cpp CLI and
                     $SHAMMIE_WHISPER_MODEL) or openai (an OpenAI-compatible server at
                     $SHAMMIE_STT_BASE_URL); default $SHAMMIE_STT
  --grammar FILE     a JSGF grammar to use instead of the robot's (pocketsphinx only)
  --scene S          scene whose objects the grammar knows (default giftbag)
  --data DIR         skill library whose taught behaviors and names the grammar knows
                     (default ./shammie-data, or $SHAMMIE_DATA)
`;

export async function transcribeCommand(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        json: { type: 'boolean' },
        backend: { type: 'string' },
        grammar: { type: 'string' },
        scene: { type: 'string' },
        data: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    throw new CliError(argsErrorLine(err, 'transcribe', ['json', 'backend', 'grammar', 'scene', 'data', 'help']));
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(TRANSCRIBE_USAGE);
    return 0;
  }
  if (positionals.length !== 1)
    throw new CliError(
      `'transcribe' needs one audio FILE${positionals.length ? ` (got ${positionals.length})` : ''}. ${helpPointer('transcribe')}`,
    );
  const file = positionals[0];
  const { sttFromEnv } = await import('../speech/config.js');
  const stt = sttFromEnv({ ...process.env, ...(values.backend ? { SHAMMIE_STT: values.backend } : {}) });
  try {
    const a = await stt.availability();
    if (!a.available) throw new CliError(`${stt.name} is not available: ${a.reason}`);
    const { readAudioFile, seconds } = await import('../speech/pcm.js');
    const pcm = await readAudioFile(file);
    if (values.grammar) {
      const { PocketsphinxStt } = await import('../speech/pocketsphinx.js');
      if (!(stt instanceof PocketsphinxStt)) throw new CliError('--grammar works with the pocketsphinx backend only');
      let jsgf: string;
      try {
        jsgf = readFileSync(values.grammar, 'utf8');
      } catch (err) {
        throw new CliError(`cannot read the grammar ${values.grammar}: ${(err as Error).message}`);
      }
      await stt.setJsgf(jsgf);
    } else {
      // The grammar of a live session: the scene's objects, the library's behaviors and names.
      const { createApp } = await import('../session/app.js');
      const { appVocabulary } = await import('../speech/vocabulary.js');
      const app = await createApp({
        scene: values.scene,
        dataDir: values.data ?? process.env.SHAMMIE_DATA ?? 'shammie-data',
        pace: 'fast',
      });
      try {
        await stt.setVocabulary(appVocabulary(app));
      } finally {
        await app.dispose();
      }
    }
    const t0 = performance.now();
    const utterances = await stt.transcribe(pcm);
    const ms = Math.round(performance.now() - t0);
    const said = utterances.filter((u) => u.text);
    if (values.json) {
      process.stdout.write(
        `${JSON.stringify(
          {
            file,
            backend: stt.name,
            seconds: Math.round(seconds(pcm) * 1000) / 1000,
            ms,
            text: said.map((u) => u.text).join(' '),
            accepted: said.length > 0 && said.every((u) => u.accepted),
            utterances: said,
          },
          null,
          2,
        )}\n`,
      );
    } else if (!said.length) {
      process.stdout.write('nothing recognized\n');
    } else {
      for (const u of said) {
        const how = `confidence ${u.confidence.toFixed(2)}${u.score !== undefined ? `, score ${u.score}` : ''}`;
        process.stdout.write(
          u.accepted ? `heard: "${u.text}" (${how})\n` : `rejected: "${u.text}" (${how}, ${u.reason}): Sorry, say that again?\n`,
        );
      }
    }
    return 0;
  } finally {
    await stt.close();
  }
}
