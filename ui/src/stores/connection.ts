/** Connection to the session server: state, attempts and a joint-stream rate meter. */
import { createStore } from 'zustand/vanilla';
import { dismissLocalProblem } from './session.js';

/**
 * connecting: the first attempt of this page; connected: open; disconnected: the link was lost
 * and the next attempt waits for its backoff; reconnecting: an attempt after a loss is in flight.
 */
export type ConnState = 'connecting' | 'connected' | 'disconnected' | 'reconnecting';

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
  /** a status message arrived since this connection opened: the session state shown is current */
  synced: boolean;
  /** when the link was last lost (performance.now()), for the disconnect-detection measure; null while never lost */
  lostAt: number | null;
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
  synced: false,
  lostAt: null,
}));

/**
 * The problems that only meant "the server could not be reached"; they end with the connection's
 * return (a stop that could not be delivered included: the tip to use the hardware stop is moot).
 */
export const CONNECTION_PROBLEMS = ['connection', 'offline', 'stop'] as const;

/** The socket opened: connected, not yet synced (the hello and the first status follow). */
export function markConnected(): void {
  connectionStore.setState((s) => ({
    state: 'connected',
    attempts: 0,
    since: Date.now(),
    lastError: null,
    connects: s.connects + 1,
    synced: false,
  }));
  for (const id of CONNECTION_PROBLEMS) dismissLocalProblem(id);
}

/** The socket closed or an attempt failed: what was shown of the session is no longer known. */
export function markLost(reason: string): number {
  const s = connectionStore.getState();
  const attempts = s.state === 'connected' ? 0 : s.attempts + (s.state === 'reconnecting' || s.state === 'connecting' ? 1 : 0);
  connectionStore.setState({
    state: 'disconnected',
    attempts,
    since: Date.now(),
    lastError: reason,
    synced: false,
    lostAt: s.state === 'connected' ? performance.now() : s.lostAt,
  });
  return attempts;
}

/** The backoff is over: the next attempt is in flight. */
export function markReconnecting(): void {
  connectionStore.setState({ state: 'reconnecting', since: Date.now() });
}
