/** The transcript (user utterances, robot replies) and the input: text (Enter sends) and push-to-talk. */
import { useEffect, useRef, useState, type ReactNode } from 'react';
import type { DialogueEntry } from '../../../launch/server/protocol.js';
import { useSession, useView } from '../stores/react.js';
import { viewStore } from '../stores/view.js';
import { say } from './actions.js';

const CALL = /([a-z_][a-z0-9_]*\([A-Z0-9_, .\-]*\)(?:\s*→\s*[a-z_][a-z0-9_]*\([A-Z0-9_, .\-]*\))*)/g;

function withCode(text: string): ReactNode[] {
  return text.split(CALL).map((part, i) => (i % 2 === 1 ? <code key={i}>{part}</code> : part));
}

export function Dialogue() {
  const transcript = useSession((s) => s.transcript);
  const list = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = list.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [transcript]);
  return (
    <section className="dialogue">
      <div className="transcript" ref={list} data-testid="transcript">
        {transcript.length === 0 && <div className="hint">Tell the robot what to do, e.g. <em>pick up the candy and put it in the bag</em>. You see its plan and the motion before anything moves.</div>}
        {transcript.map((e) => <Entry key={e.id} e={e} />)}
      </div>
      <Input />
    </section>
  );
}

function Entry({ e }: { e: DialogueEntry }) {
  const who = e.role === 'user' ? 'You' : e.role === 'robot' ? 'Robot' : 'Console';
  return (
    <div className={`entry ${e.role} ${e.kind ?? ''}`} data-role={e.role} data-kind={e.kind ?? ''}>
      <span className="who">{who}</span>
      <span className="text">{withCode(e.text)}</span>
    </div>
  );
}

function Input() {
  const [text, setText] = useState('');
  const probes = useSession((s) => s.probes);
  const note = useView((s) => s.speechNote);
  const speech = probes.find((p) => p.name.startsWith('speech'));
  return (
    <>
      <form
        className="input"
        onSubmit={(e) => {
          e.preventDefault();
          if (say(text)) setText('');
        }}
      >
        <input
          data-testid="utterance"
          value={text}
          onChange={(e) => setText(e.target.value)}
          placeholder="Type a command and press Enter"
          aria-label="Command for the robot"
          autoComplete="off"
          spellCheck={false}
        />
        <button
          type="button"
          className="ptt"
          data-testid="ptt"
          title="Push to talk"
          onPointerDown={() => viewStore.setState({ speechNote: true })}
        >
          <MicIcon /> Talk
        </button>
      </form>
      {note && (
        <div className="speech-note" data-testid="speech-note">
          Push-to-talk is not connected yet: speech recognition arrives with the speech module.
          {speech ? ` (${speech.message})` : ''} Type your command instead.
          <button className="link" onClick={() => viewStore.setState({ speechNote: false })}>OK</button>
        </div>
      )}
    </>
  );
}

function MicIcon() {
  return (
    <svg width="12" height="14" viewBox="0 0 12 14" aria-hidden="true" style={{ verticalAlign: '-2px' }}>
      <rect x="3.5" y="0.5" width="5" height="8.5" rx="2.5" fill="currentColor" />
      <path d="M1 6.5a5 5 0 0 0 10 0M6 11.5v2" stroke="currentColor" strokeWidth="1.4" fill="none" />
    </svg>
  );
}
