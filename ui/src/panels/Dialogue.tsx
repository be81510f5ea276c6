/** The transcript (user utterances, robot replies) and the input: text (Enter sends) and push-to-talk. */
import { useEffect, useRef, useState, type ReactNode } from 'react';
import type { DialogueEntry } from '../../../server/protocol.js';
import { TalkButton, VoiceBar } from '../audio/VoiceControls.js';
import { useSession } from '../stores/react.js';
import { say } from './actions.js';

const CALL = /([a-z_][a-z0-9_]*\([A-Z0-9_, .-]*\)(?:\s*→\s*[a-z_][a-z0-9_]*\([A-Z0-9_, .-]*\))*)/g;

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
      <div className="transcript" ref={list} data-testid="transcript" role="log" aria-label="Dialogue with the robot" tabIndex={0}>
        {transcript.length === 0 && (
          <div className="hint">
            Tell the robot what to do, e.g. <em>pick up the candy and put it in the bag</em>. You see its plan and the motion before
            anything moves.
          </div>
        )}
        {transcript.map((e) => (
          <Entry key={e.id} e={e} />
        ))}
      </div>
      <Input />
    </section>
  );
}

function Entry({ e }: { e: DialogueEntry }) {
  const you = useSession((s) => s.you);
  // Several consoles share one dialogue: a user line is yours only if this console said it.
  const speaker = e.role !== 'user' ? '' : !e.by || e.by === you ? 'You' : (e.who ?? 'Another client');
  const who = e.role === 'user' ? (e.kind?.startsWith('voice') ? `${speaker} · voice` : speaker) : e.role === 'robot' ? 'Robot' : 'Console';
  return (
    <div className={`entry ${e.role} ${e.kind ?? ''}`} data-role={e.role} data-kind={e.kind ?? ''}>
      <span className="who">{who}</span>
      <span className="text">{withCode(e.text)}</span>
    </div>
  );
}

function Input() {
  const [text, setText] = useState('');
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
          placeholder="Type a command, or hold V to talk"
          aria-label="Command for the robot"
          aria-keyshortcuts="/"
          autoComplete="off"
          spellCheck={false}
        />
        <TalkButton />
      </form>
      <VoiceBar />
    </>
  );
}
