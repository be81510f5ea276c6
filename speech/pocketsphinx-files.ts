/**
 * The files a recognizer's decoders are given: the JSGF grammar, the pronunciation dictionary
 * and the competitor's word-loop LM, in one temp folder per recognizer. Every install is a new
 * version with new file names, so nothing a running decoder was given is overwritten.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface GrammarFiles {
  version: number;
  jsgf: string;
  dict: string;
  /** unigram LM of the competing word loop */
  loop: string;
  /** keyphrase list of the stop-word spotter (null: no spotter, e.g. a hand-written grammar) */
  kws: string | null;
  /** the grammar without its new-verb slot (null: it has none): a new verb must beat it (pocketsphinx-rescore.ts) */
  known: string | null;
  /** the words of the new-verb slot */
  newVerbs: ReadonlySet<string>;
  /** the words of the harm slot ("crush the candy": heard as said, refused by the planner) */
  harmVerbs: ReadonlySet<string>;
  /** words whose pronunciation came from espeak-ng */
  derived: Map<string, string>;
  missing: string[];
}

/** Grammar folders of recognizers not closed yet: removed when the process exits anyway. */
const liveDirs = new Set<string>();
process.on('exit', () => {
  for (const d of liveDirs) rmSync(d, { recursive: true, force: true });
});

/** A recognizer's grammar folder (made on the first write, removed by close()). */
export class GrammarFileStore {
  #dir: string | null = null;
  #version = 0;

  write(
    jsgf: string,
    dictText: string,
    loopWords: string[],
    derived: Map<string, string>,
    missing: string[],
    kwsText: string | null = null,
    known: { jsgf: string; newVerbs: ReadonlySet<string>; harmVerbs: ReadonlySet<string> } | null = null,
  ): GrammarFiles {
    if (!this.#dir) {
      const dir = mkdtempSync(join(tmpdir(), 'shammie-asr-'));
      this.#dir = dir;
      liveDirs.add(dir);
    }
    const version = ++this.#version;
    const gram = join(this.#dir, `g${version}.gram`);
    const dict = join(this.#dir, `g${version}.dict`);
    const loop = join(this.#dir, `g${version}.arpa`);
    writeFileSync(gram, jsgf);
    writeFileSync(dict, dictText);
    writeFileSync(loop, unigramArpa(loopWords));
    const kws = kwsText === null ? null : join(this.#dir, `g${version}.kws`);
    if (kws && kwsText !== null) writeFileSync(kws, kwsText);
    const knownPath = known ? join(this.#dir, `g${version}.known.gram`) : null;
    if (knownPath && known) writeFileSync(knownPath, known.jsgf);
    return {
      version,
      jsgf: gram,
      dict,
      loop,
      kws,
      known: knownPath,
      newVerbs: known?.newVerbs ?? new Set(),
      harmVerbs: known?.harmVerbs ?? new Set(),
      derived,
      missing,
    };
  }

  close(): void {
    if (this.#dir) {
      rmSync(this.#dir, { recursive: true, force: true });
      liveDirs.delete(this.#dir);
    }
    this.#dir = null;
  }
}

/** A uniform unigram LM (ARPA text) over `words`: the competitor's free word loop. */
export function unigramArpa(words: readonly string[]): string {
  const vocab = [...new Set(words)].sort();
  const lp = Math.log10(1 / vocab.length).toFixed(4);
  return `\\data\\\nngram 1=${vocab.length + 2}\n\n\\1-grams:\n-99 <s> 0\n${lp} </s> 0\n${vocab.map((w) => `${lp} ${w} 0`).join('\n')}\n\n\\end\\\n`;
}
