/**
 * One pocketsphinx_continuous process and its output protocol. The decoder reads raw 16 kHz PCM
 * on stdin; its log (merged into stdout) carries, per utterance, the frame count, the
 * hypothesis with its path score, the word table and cepstral-mean updates. Used for the
 * long-lived grammar/competitor pair (pocketsphinx-generation.ts) and for short partial decodes.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';

/** One utterance as a decoder process reports it. */
export interface DecodedUtterance {
  frames: number;
  /** null when the decoder produced no hypothesis */
  hyp: string | null;
  score: number;
  /** the grammar's final state was not reached (pocketsphinx fell back to a partial path) */
  nonFinal: boolean;
  /** the word table: frames (inclusive), acoustic and language scores */
  words: { word: string; start: number; end: number; ascr: number; lscr: number }[];
}

/** End of an utterance: "N frames" (fsg, allphone, ngram with fwdflat) or the fwdtree summary (ngram without it; frames come from the word table). */
const FRAMES = /^INFO: (?:(?:fsg|allphone|ngram)_search\.c\(\d+\): (\d+) frames,|ngram_search_fwdtree\.c\(\d+\):\s+(\d+) words recognized)/;
const HYP = /^INFO: pocketsphinx\.c\(\d+\): (.*) \((-?\d+)\)$/;
const ROW = /^(\S+)\s+(-?\d+)\s+(-?\d+)\s+(\d+\.\d+)\s+(-?\d+)\s+(-?\d+)\s+(-?\d+)\s*$/;
const CMN = /^INFO: cmn(?:_live)?\.c\(\d+\): Update to\s*<([^>]*)>/;
const NONFINAL = /Final result does not match the grammar/;
const TIMES = /^(\d+)m([\d.]+)s (\d+)m([\d.]+)s$/;
/** ms after an utterance's frame count with no hypothesis before it counts as none */
export const NULL_HYP_WAIT_MS = 2000;

/**
 * Parses the merged stdout+stderr of pocketsphinx_continuous -backtrace yes. Per utterance it
 * logs "N frames", then "HYP (SCORE)" and the word table, then prints HYP on stdout (flushed
 * last), which is what marks the utterance complete.
 */
export class DecoderOutputParser {
  #pending: DecodedUtterance | null = null;
  #nullTimer: NodeJS.Timeout | undefined;
  cmn: string | null = null;
  readonly errors: string[] = [];
  /** CPU seconds (user + system) of the decoder, known once it has exited */
  cpuSeconds = 0;
  #timesLines = 0;
  #table = false;

  constructor(private readonly onUtterance: (u: DecodedUtterance) => void) {}

  line(raw: string): void {
    const line = raw.replace(/\r$/, '');
    const t = TIMES.exec(line);
    if (t) {
      // sh's `times`: the shell's own line, then its children's.
      if (++this.#timesLines === 2) this.cpuSeconds = Number(t[1]) * 60 + Number(t[2]) + Number(t[3]) * 60 + Number(t[4]);
      return;
    }
    const m = CMN.exec(line);
    if (m) {
      this.cmn = m[1].trim().split(/\s+/).join(',');
      return;
    }
    const f = FRAMES.exec(line);
    if (f) {
      this.#finishNull();
      const frames = f[1] !== undefined ? Number(f[1]) : -1;
      if (frames > 0 || (frames < 0 && Number(f[2]) > 0)) {
        this.#pending = { frames, hyp: null, score: 0, nonFinal: false, words: [] };
        // No hypothesis line follows when the search found nothing; don't wait for the next
        // utterance. Generous: on a loaded machine the decoder may be descheduled between its
        // frame count and its hypothesis, and a late hypothesis would be lost (a right command
        // turned into noise). The next utterance's frame count or the decoder's exit ends it sooner.
        this.#nullTimer = setTimeout(() => this.#finishNull(), NULL_HYP_WAIT_MS);
      }
      return;
    }
    if (NONFINAL.test(line)) {
      if (this.#pending) this.#pending.nonFinal = true;
      return;
    }
    if (/^(?:ERROR|FATAL_ERROR|FATAL)\b/.test(line) || /^sh: /.test(line)) {
      this.errors.push(line);
      return;
    }
    const p = this.#pending;
    if (!p) return;
    const h = HYP.exec(line);
    if (h && p.hyp === null) {
      clearTimeout(this.#nullTimer);
      p.hyp = h[1];
      p.score = Number(h[2]);
      this.#table = false;
      return;
    }
    if (p.hyp === null) return;
    const r = ROW.exec(line);
    if (r) {
      p.words.push({ word: r[1], start: Number(r[2]), end: Number(r[3]), ascr: Number(r[5]), lscr: Number(r[6]) });
      if (p.frames < 0 || p.words.length > 1) p.frames = Math.max(p.frames, p.words[p.words.length - 1].end - p.words[0].start + 1);
      return;
    }
    if (/^word\s/.test(line)) {
      this.#table = true;
      return;
    }
    if (/^(?:INFO|WARN)/.test(line)) return;
    // The hypothesis echoed on stdout ends the utterance (an empty one only after its word table).
    if (line.trim() === p.hyp.trim() && (p.hyp.trim() !== '' || this.#table)) {
      this.#pending = null;
      this.onUtterance(p);
    }
  }

  /** The process ended: whatever is pending is complete. */
  end(): void {
    clearTimeout(this.#nullTimer);
    const p = this.#pending;
    this.#pending = null;
    if (p) this.onUtterance(p);
  }

  #finishNull(): void {
    clearTimeout(this.#nullTimer);
    const p = this.#pending;
    if (p && p.hyp === null) {
      this.#pending = null;
      this.onUtterance(p);
    }
  }
}

/** A keyphrase the -kws search detected: its words and frames (inclusive, 10 ms each). */
export interface KeywordHit {
  word: string;
  start: number;
  end: number;
  /** the search's posterior for it (0..1) */
  pprob: number;
}

const KWS_ROW = /^(\S.*?)\s+(-?\d+)\s+(-?\d+)\s+(\d+\.\d+)\s+(-?\d+)\s+(-?\d+)\s+(-?\d+)\s*$/;

/**
 * Reads a -kws decoder's log: at each utterance end it prints the detections as a word table
 * (one row per detection, phrases may have spaces). Overlapping detections ("stop it" and its
 * "stop") are one event, the longest phrase.
 */
export class KeywordLogParser {
  #table: KeywordHit[] | null = null;

  constructor(private readonly onHits: (hits: KeywordHit[]) => void) {}

  line(line: string): void {
    if (/^word\s+start\s+end\s/.test(line)) {
      this.#table = [];
      return;
    }
    if (!this.#table) return;
    const r = KWS_ROW.exec(line);
    if (r) {
      this.#table.push({ word: r[1].trim(), start: Number(r[2]), end: Number(r[3]), pprob: Number(r[4]) });
      return;
    }
    const hits = this.#table;
    this.#table = null;
    this.onHits(mergeHits(hits));
  }
}

/** One hit per stretch of audio: overlapping detections merge into the longest phrase. */
export function mergeHits(hits: readonly KeywordHit[]): KeywordHit[] {
  const out: KeywordHit[] = [];
  for (const h of [...hits].sort((a, b) => a.start - b.start || b.end - a.end)) {
    const last = out[out.length - 1];
    if (last && h.start <= last.end) {
      if (h.end - h.start > last.end - last.start) out[out.length - 1] = h;
      continue;
    }
    out.push(h);
  }
  return out;
}

/** One pocketsphinx_continuous process reading raw PCM from stdin. */
export class DecoderProcess {
  readonly child: ChildProcessWithoutNullStreams;
  readonly parser: DecoderOutputParser;
  readonly exited: Promise<number | null>;
  #buf = '';
  #dead = false;

  constructor(
    bin: string,
    args: string[],
    onUtterance: (u: DecodedUtterance) => void,
    private readonly onLine?: (line: string) => void,
  ) {
    this.parser = new DecoderOutputParser(onUtterance);
    // `cat |` gives the decoder a real pipe for -infile /dev/stdin; 2>&1 keeps log and result
    // order; `times` reports the decoder's CPU time when it ends (for the real-time factor).
    this.child = spawn('sh', ['-c', 'cat | { "$0" "$@" 2>&1; times; }', bin, '-infile', '/dev/stdin', ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
    this.child.stdin.on('error', () => undefined);
    this.child.stdout.setEncoding('utf8');
    this.child.stdout.on('data', (d: string) => this.#data(d));
    this.child.stderr.on('data', (d: Buffer) => this.parser.errors.push(d.toString().trim()));
    this.exited = new Promise((resolve) => {
      this.child.on('error', (e) => {
        this.parser.errors.push(e.message);
        resolve(-1);
      });
      this.child.on('close', (code) => {
        if (this.#buf) this.parser.line(this.#buf);
        this.#buf = '';
        this.parser.end();
        this.#dead = true;
        resolve(code);
      });
    });
  }

  #data(d: string): void {
    this.#buf += d;
    let nl: number;
    while ((nl = this.#buf.indexOf('\n')) >= 0) {
      const line = this.#buf.slice(0, nl);
      this.#buf = this.#buf.slice(nl + 1);
      this.parser.line(line);
      this.onLine?.(line.replace(/\r$/, ''));
    }
  }

  write(b: Buffer): void {
    if (!this.#dead && this.child.stdin.writable) this.child.stdin.write(b);
  }

  end(): void {
    if (this.child.stdin.writable) this.child.stdin.end();
  }

  kill(): void {
    if (this.#dead) return;
    try {
      // The process group: sh, cat and the decoder (spawned detached for exactly this).
      process.kill(-this.child.pid!, 'SIGKILL');
    } catch {
      this.child.kill('SIGKILL');
    }
  }
}
