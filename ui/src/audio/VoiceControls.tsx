/**
 * Voice in the dialogue panel: the Talk button (hold it, or hold V), hands-free listening, the
 * input level, what was heard, the microphone's problems, and the spoken-reply settings.
 */
import { useEffect, useRef } from 'react';
import { useStore } from 'zustand';
import { micLevel, voiceStore, type VoiceUiState } from './store.js';
import { say } from '../panels/actions.js';
import { answerQuestion, pressTalk, releaseTalk, setHandsFree, setPrefs } from './voice.js';

const useVoice = <T,>(selector: (s: VoiceUiState) => T): T => useStore(voiceStore, selector);

export function TalkButton() {
  const talking = useVoice((s) => s.talking);
  const handsFree = useVoice((s) => s.handsFree);
  const server = useVoice((s) => s.server);
  const unavailable = server?.state === 'unavailable';
  return (
    <button
      type="button"
      className={`ptt ${talking ? 'talking' : ''}`}
      data-testid="ptt"
      aria-pressed={talking}
      disabled={handsFree}
      title={unavailable ? server?.message : 'Hold to talk (or hold V)'}
      onPointerDown={(e) => {
        if (e.button !== 0) return;
        e.currentTarget.setPointerCapture(e.pointerId);
        void pressTalk();
      }}
      onPointerUp={() => releaseTalk()}
      onPointerCancel={() => releaseTalk()}
      onLostPointerCapture={() => releaseTalk()}
      onKeyDown={(e) => {
        if (e.key === 'Enter' && !e.repeat) {
          e.preventDefault();
          void pressTalk();
        }
      }}
      onKeyUp={(e) => {
        if (e.key === 'Enter') {
          e.preventDefault();
          releaseTalk();
        }
      }}
    >
      <MicIcon /> {talking ? 'Listening…' : 'Talk'}
    </button>
  );
}

/** The input level, drawn in animation frames (50 updates a second stay out of React). */
function LevelMeter() {
  const bar = useRef<HTMLDivElement>(null);
  const box = useRef<HTMLDivElement>(null);
  const active = useVoice((s) => s.mic === 'on');
  useEffect(() => {
    if (!active) return;
    let raf = 0;
    let shown = -1;
    const draw = () => {
      // −60 dBFS (silence) … 0 dBFS (full scale); stale levels fall to zero.
      const db = performance.now() - micLevel.at > 300 ? -120 : micLevel.db;
      const f = Math.max(0, Math.min(1, (db + 60) / 60));
      const pct = Math.round(f * 100);
      if (pct !== shown && bar.current && box.current) {
        shown = pct;
        bar.current.style.width = `${pct}%`;
        box.current.dataset.level = String(pct);
      }
      raf = requestAnimationFrame(draw);
    };
    raf = requestAnimationFrame(draw);
    return () => cancelAnimationFrame(raf);
  }, [active]);
  return (
    <div
      className={`level ${active ? '' : 'idle'}`}
      ref={box}
      data-testid="mic-level"
      data-level="0"
      title="Microphone level"
      aria-hidden="true"
    >
      <div className="bar" ref={bar} />
    </div>
  );
}

/**
 * "Did you say …?": the words the recognizer was unsure of, with Yes / No. Yes plans them (the
 * preview comes first, as for any command); the operator may also answer by voice.
 */
function DidYouSay() {
  const q = useVoice((s) => s.question);
  useEffect(() => {
    if (!q) return;
    const timer = setTimeout(
      () => {
        if (voiceStore.getState().question?.id === q.id) voiceStore.setState({ question: null });
      },
      Math.max(0, q.until - performance.now()),
    );
    return () => clearTimeout(timer);
  }, [q]);
  if (!q) return null;
  return (
    <div className="voice-question" data-testid="voice-question" role="group" aria-label="Did you say this?">
      <span>
        Did you say “<b data-testid="voice-question-text">{q.text}</b>”?
      </span>
      <button type="button" data-testid="voice-question-yes" onClick={() => answerQuestion(true)}>
        Yes, that&apos;s what I said
      </button>
      <button type="button" className="link" data-testid="voice-question-no" onClick={() => answerQuestion(false)}>
        No
      </button>
    </div>
  );
}

export function VoiceBar() {
  const s = useVoice((v) => v);
  const server = s.server;
  const status = s.problem
    ? null
    : s.mic === 'starting'
      ? 'Opening the microphone…'
      : s.robotSpeaking && s.mic === 'on' && !s.prefs.headphones
        ? 'Speaking… (the microphone is muted meanwhile)'
        : s.talking || (s.handsFree && s.userSpeaking)
          ? s.partial
            ? null
            : 'Listening…'
          : server?.state === 'starting'
            ? server.message
            : server?.state === 'unavailable'
              ? null
              : s.handsFree
                ? 'Listening hands-free: just speak.'
                : null;
  return (
    <div className="voice" data-testid="voice" data-mic={s.mic} data-server={server?.state ?? 'none'}>
      <div className="voice-row">
        <LevelMeter />
        <label className="toggle" title="Listen all the time; the recognizer finds where you start and stop speaking">
          <input type="checkbox" data-testid="handsfree" checked={s.handsFree} onChange={(e) => void setHandsFree(e.target.checked)} />{' '}
          Hands-free
        </label>
        <details className="voice-settings">
          <summary title="Spoken replies and headphones">
            Replies: {s.prefs.speak && (server?.ttsAvailable ?? true) ? (server?.voice ?? 'on') : 'off'}
          </summary>
          <div className="voice-menu">
            <label className="toggle" title="Speak the robot's replies">
              <input
                type="checkbox"
                data-testid="speak"
                checked={s.prefs.speak && (server?.ttsAvailable ?? true)}
                disabled={server ? !server.ttsAvailable : false}
                onChange={(e) => setPrefs({ speak: e.target.checked })}
              />{' '}
              Speak replies
            </label>
            {server && server.voices.length > 1 && (
              <label className="toggle">
                Voice
                <select
                  data-testid="voice-select"
                  aria-label="Voice of the replies"
                  value={server.voice}
                  onChange={(e) => setPrefs({ voice: e.target.value })}
                >
                  {server.voices.map((v) => (
                    <option key={v} value={v}>
                      {v}
                    </option>
                  ))}
                </select>
              </label>
            )}
            <label className="toggle" title="With headphones the microphone stays open while the robot talks">
              <input
                type="checkbox"
                data-testid="headphones"
                checked={s.prefs.headphones}
                onChange={(e) => setPrefs({ headphones: e.target.checked })}
              />{' '}
              Headphones (keep the microphone open while it talks)
            </label>
            {server && !server.ttsAvailable && <div className="hint">Spoken replies are not available here: install espeak-ng.</div>}
          </div>
        </details>
      </div>
      {(s.talking || s.partial) && s.partial && (
        <div className="voice-partial" data-testid="voice-partial">
          {s.partial}…
        </div>
      )}
      {status && (
        <div className="voice-status" data-testid="voice-status">
          {status}
        </div>
      )}
      <DidYouSay />
      {!s.talking && !s.partial && !s.question && s.heard && Date.now() - s.heard.at < 8000 && (
        <div className={`voice-heard ${s.heard.accepted ? '' : 'rejected'}`} data-testid="voice-heard">
          {s.heard.stop
            ? 'Heard “stop”: stopping.'
            : s.heard.accepted
              ? `Heard: “${s.heard.text}”`
              : s.heard.text
                ? `Not sure I heard “${s.heard.text}” right.`
                : 'Could not make that out.'}
          {!s.heard.accepted && !s.heard.stop && s.heard.text && (
            // The words on screen are right but scored low: plan them as if typed (a preview
            // comes first, as for any command), instead of saying them again.
            <button
              type="button"
              className="link"
              data-testid="voice-heard-accept"
              onClick={() => {
                const text = voiceStore.getState().heard?.text;
                if (text && say(text)) voiceStore.setState({ heard: null });
              }}
            >
              Yes, that&apos;s what I said
            </button>
          )}
        </div>
      )}
      {s.problem && (
        <div className="voice-problem" data-testid="voice-problem" role="alert">
          <b>{s.problem.message}</b> {s.problem.tip}
          <button className="link" onClick={() => voiceStore.setState({ problem: null, mic: 'off' })}>
            OK
          </button>
        </div>
      )}
      {!s.problem && server?.state === 'unavailable' && (
        <div className="voice-problem" data-testid="voice-problem" role="alert">
          <b>Speech recognition is not available: {server.message}</b> {server.tip ?? ''}
        </div>
      )}
    </div>
  );
}

/** Hold V to talk (not while typing), as with the button. */
export function useTalkKey(isTextField: (t: EventTarget | null) => boolean): void {
  useEffect(() => {
    const down = (e: KeyboardEvent) => {
      if ((e.key === 'v' || e.key === 'V') && !e.repeat && !e.ctrlKey && !e.metaKey && !e.altKey && !isTextField(e.target)) {
        e.preventDefault();
        void pressTalk();
      }
    };
    const up = (e: KeyboardEvent) => {
      if (e.key === 'v' || e.key === 'V') releaseTalk();
    };
    // Letting go of V while the window is not focused must still end the utterance.
    const blur = () => releaseTalk();
    window.addEventListener('keydown', down);
    window.addEventListener('keyup', up);
    window.addEventListener('blur', blur);
    return () => {
      window.removeEventListener('keydown', down);
      window.removeEventListener('keyup', up);
      window.removeEventListener('blur', blur);
    };
  }, [isTextField]);
}

function MicIcon() {
  return (
    <svg width="12" height="14" viewBox="0 0 12 14" aria-hidden="true" style={{ verticalAlign: '-2px' }}>
      <rect x="3.5" y="0.5" width="5" height="8.5" rx="2.5" fill="currentColor" />
      <path d="M1 6.5a5 5 0 0 0 10 0M6 11.5v2" stroke="currentColor" strokeWidth="1.4" fill="none" />
    </svg>
  );
}
