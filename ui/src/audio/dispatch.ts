/** Applies the voice channel's server messages to the voice store. */
import type { VoiceServerMessage } from '../../../server/protocol.js';
import { replies, voiceStore } from './store.js';

export function applyVoiceMessage(m: VoiceServerMessage): void {
  switch (m.type) {
    case 'voice_state':
      voiceStore.setState({ server: m.voice });
      return;
    case 'voice_activity':
      voiceStore.setState(m.speaking ? { userSpeaking: true } : { userSpeaking: false });
      return;
    case 'voice_partial':
      voiceStore.setState((s) => ({ partial: m.text, partials: s.partials + 1 }));
      return;
    case 'voice_final':
      voiceStore.setState({ partial: '', heard: { text: m.text, accepted: m.accepted, stop: m.stop, at: Date.now() } });
      return;
    case 'voice_question':
      // The server drops it on expiry too; the local deadline hides the buttons if that is lost.
      voiceStore.setState({
        question: m.question ? { id: m.question.id, text: m.question.text, until: performance.now() + m.question.expiresInMs } : null,
      });
      return;
    case 'speech':
      replies.play(m);
      return;
    default: {
      const never: never = m;
      throw new Error(`[console] unhandled voice message ${JSON.stringify(never)}`);
    }
  }
}
