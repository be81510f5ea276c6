/** Applies the stop-motion studio's server messages to the studio store. */
import type { StudioServerMessage } from '../../../launch/server/protocol.js';

export function applyStudioMessage(m: StudioServerMessage): void {
  void m;
}
