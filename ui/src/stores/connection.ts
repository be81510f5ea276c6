/** Connection to the session server: state, attempts and a joint-stream rate meter. */
import { createStore } from 'zustand/vanilla';

export type ConnState = 'connecting' | 'connected' | 'reconnecting';

export interface ConnectionState {
  state: ConnState;
  /** consecutive failed attempts since the last successful connection */
  attempts: number;
  /** when the current state began (ms since epoch) */
  since: number;
  url: string;
  serverId: string | null;
  /** the stop listener on the server's watchdog thread (answers while the main thread is busy) */
  stopPort: number | null;
  lastError: string | null;
  /** times connected, for the reconnect tests */
  connects: number;
}

export const connectionStore = createStore<ConnectionState>(() => ({
  state: 'connecting',
  attempts: 0,
  since: Date.now(),
  url: '',
  serverId: null,
  stopPort: null,
  lastError: null,
  connects: 0,
}));
