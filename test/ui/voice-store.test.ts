/**
 * The console's voice store in Node (no browser): what the voice dialogue's server messages do
 * to the state the "Did you say …?" box reads, parsed with the shared schemas as the page does.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { parseServerMessage } from '../../server/protocol.js';
import { applyServerMessage } from '../../ui/src/net/dispatch.js';
import { voiceStore } from '../../ui/src/audio/store.js';

function receive(m: unknown): void {
  const r = parseServerMessage(JSON.stringify(m));
  if (!r.ok) throw new Error(r.error);
  applyServerMessage(r.message);
}

describe('voice store: "Did you say …?"', () => {
  beforeEach(() => voiceStore.setState({ question: null, heard: null }));

  it('a question shows the words until it is answered or dropped (with a local deadline)', () => {
    const t0 = performance.now();
    receive({ type: 'voice_question', question: { id: 'q3', text: 'pick up the candy', expiresInMs: 20_000 } });
    const q = voiceStore.getState().question!;
    expect(q).toMatchObject({ id: 'q3', text: 'pick up the candy' });
    expect(q.until - t0).toBeGreaterThanOrEqual(20_000);
    expect(q.until - performance.now()).toBeLessThanOrEqual(20_000);
    receive({ type: 'voice_question', question: null });
    expect(voiceStore.getState().question).toBeNull();
  });

  it('a malformed question is refused at the boundary', () => {
    for (const bad of [
      { type: 'voice_question', question: { id: 'q 1', text: 'x', expiresInMs: 1 } },
      { type: 'voice_question', question: { id: 'q1', text: 'x', expiresInMs: -5 } },
      { type: 'voice_question' },
    ])
      expect(parseServerMessage(JSON.stringify(bad)).ok, JSON.stringify(bad)).toBe(false);
  });
});
