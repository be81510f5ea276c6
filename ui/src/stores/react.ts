/** The thin React binding: one hook per store, always with a selector. */
import { useStore } from 'zustand';
import { connectionStore, type ConnectionState } from './connection.js';
import { previewStore, type PreviewState } from './preview.js';
import { sessionStore, type SessionState } from './session.js';
import { teachStore, type TeachState } from './teach.js';
import { viewStore, type ViewState } from './view.js';

export const useConnection = <T>(selector: (s: ConnectionState) => T): T => useStore(connectionStore, selector);
export const useSession = <T>(selector: (s: SessionState) => T): T => useStore(sessionStore, selector);
export const usePreview = <T>(selector: (s: PreviewState) => T): T => useStore(previewStore, selector);
export const useTeach = <T>(selector: (s: TeachState) => T): T => useStore(teachStore, selector);
export const useView = <T>(selector: (s: ViewState) => T): T => useStore(viewStore, selector);
