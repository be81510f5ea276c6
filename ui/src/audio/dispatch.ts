/** Applies the voice channel's server messages to the voice store. */
import type { VoiceServerMessage } from '../../../launch/server/protocol.js';

export function applyVoiceMessage(m: VoiceServerMessage): void {
  void m;
}
