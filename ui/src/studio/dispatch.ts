/** Applies the stop-motion studio's server messages to the studio store. */
import type { StudioServerMessage } from '../../../server/protocol.js';
import { requestFrame } from '../stores/frame.js';
import { enqueueCapture } from './capture.js';
import { studioStore } from './store.js';

export function applyStudioMessage(m: StudioServerMessage): void {
  switch (m.type) {
    case 'studio_state': {
      const prev = studioStore.getState().studio;
      const grew =
        (m.studio.session?.frames.length ?? 0) !== (prev?.session?.frames.length ?? 0) || m.studio.session?.name !== prev?.session?.name;
      // A Shoot is answered by a state whose film changed, or by the capture ending.
      const shooting = studioStore.getState().shooting && !grew && m.studio.capturing;
      studioStore.setState({ studio: m.studio, shooting });
      // The camera (offset, fov) may have changed: the live monitor redraws.
      requestFrame();
      return;
    }
    case 'studio_capture':
      enqueueCapture({ requestId: m.requestId, width: m.width, height: m.height });
      return;
    default: {
      const never: never = m;
      throw new Error(`[console] unhandled studio message ${JSON.stringify(never)}`);
    }
  }
}
