/** The thin React binding of the studio store (always with a selector). */
import { useStore } from 'zustand';
import { studioStore, type StudioStoreState } from './store.js';

export const useStudio = <T>(selector: (s: StudioStoreState) => T): T => useStore(studioStore, selector);
