/** `shammie transcribe` and `shammie run` with speech, as a user runs them (a separate process). */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunReport } from '../../launch/run.js';
import { parseScript } from '../../session/script.js';
import { encodeWav } from '../../speech/pcm.js';
import { run as runProc } from '../../speech/proc.js';
import type { Transcript } from '../../speech/types.js';
import { spoken, spokenWav } from './fixtures.js';

const BIN = join(import.meta.dirname, '..', '..', 'launch', 'bin', 'shammie.js');
const ENV = { ...process.env, SHAMMIE_DATA: mkdtempSync(join(tmpdir(), 'shammie-data-')), SHAMMIE_STT: '' };
const shammie = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000, env: ENV });

describe('shammie transcribe', () => {
  it("transcribes any WAV (44.1 kHz stereo goes through sox) with the robot's grammar", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'shammie-tr-'));
    const wav16 = join(dir, 'pick16.wav');
    writeFileSync(wav16, encodeWav(await spoken('pick up the candy')));
    const wav44 = join(dir, 'pick44.wav');
    const sox = await runProc('sox', [wav16, '-r', '44100', '-c', '2', wav44]);
    expect(sox.code).toBe(0);
    const r = shammie('transcribe', wav44, '--json');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as { utterances: Transcript[] };
    expect(out).toMatchObject({ backend: 'pocketsphinx', text: 'pick up the candy', accepted: true });
    expect(out.utterances[0].confidence).toBeGreaterThan(0.5);
    const plain = shammie('transcribe', wav16);
    expect(plain.stdout).toMatch(/^heard: "pick up the candy" \(confidence /);
  });

  it('says plainly what is missing', () => {
    const r = shammie('transcribe', '/nonexistent/x.wav');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/cannot read \/nonexistent\/x\.wav: no such file/);
    const w = shammie('transcribe', '/nonexistent/x.wav', '--backend', 'whisper');
    expect(w.status).toBe(2);
    expect(w.stderr).toMatch(/whisper\.cpp is not available: no Whisper model: set SHAMMIE_WHISPER_MODEL/);
  });
});

describe('shammie run with speech', () => {
  it('!say FILE feeds a recording as an utterance; --speak-through says every text line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'shammie-run-'));
    await spokenWav('pick up the candy', join(dir, 'pick.wav'));
    writeFileSync(join(dir, 's.txt'), '!say pick.wav\nput it in the bag\n');
    const r = shammie('run', join(dir, 's.txt'), '--json', '--speak-through');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout) as RunReport;
    expect(report.turns.map((t: { utterance: string; kind: string; outcome: string }) => [t.utterance, t.kind, t.outcome])).toEqual([
      ['pick up the candy', 'plan', 'succeeded'],
      ['put it in the bag', 'plan', 'succeeded'],
    ]);
    expect(report.world.objects.CANDY.in).toBe('GIFT_BAG');
  });

  it('parses !say with the path resolved next to the script', () => {
    expect(parseScript('!say hello.wav\n', '/scripts/demo.txt')).toEqual([{ line: 1, type: 'say', file: '/scripts/hello.wav' }]);
    expect(() => parseScript('!say\n', '/scripts/demo.txt')).toThrow(/usage: !say FILE\.wav/);
  });
});
