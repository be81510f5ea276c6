/**
 * Action goals over rosbridge for RoslibTransport, followed to their end: ROS 2 action ops
 * (roslib `Action`) and ROS 1 actionlib over topics (roslib `ActionClient`/`Goal`).
 *
 * - ROS 2 results are read from the raw `action_result` op (roslib's callbacks reduce a
 *   non-success result to a string), and the status delivered with the result is trusted.
 * - ROS 1: a goal not seen in any status soon is sent again (first publishes can be lost), and
 *   the status that came with the result is the one to trust.
 * - Cancels name a goal id, never none: an empty ROS 1 GoalID cancels every goal on the server,
 *   whoever sent it. ROS 1 cancels go out on a latched topic advertised before anything else of
 *   the action, so one sent right after a (re)connect reaches the server when it subscribes,
 *   instead of being lost in the first few hundred ms as an unlatched publish is.
 * - The end of a goal as the server reports it reaches `conn.goalEnded` even after the goal was
 *   released here (ROS 1: any final status in the action's status list; ROS 2: its result).
 *
 * `isCurrent` says whether `conn` is still the transport's link: nothing is sent on an old one.
 */
import { Action, ActionClient, Goal, Topic } from 'roslib';
import { isObject, GOAL_STATUS_1, ros1End, ros2End } from './messages.js';
import type { Connection } from './roslib-connection.js';
import type { GoalCallbacks, GoalEnd, GoalHandle } from './transport.js';

/** ROS 1: resend a goal not seen in any status after this long (first publishes can be lost) */
const ROS1_RESEND_MS = 700;

let nextGoal = 0;

/** ROS 2: send a goal through the action ops. */
export function sendGoal2(
  conn: Connection,
  action: string,
  actionType: string,
  goal: unknown,
  cb: GoalCallbacks,
  isCurrent: () => boolean,
): GoalHandle {
  let a = conn.actions.get(action);
  if (!a) {
    a = new Action<unknown, unknown, unknown>({ ros: conn.ros, name: action, actionType });
    conn.actions.set(action, a);
  }
  const noop = () => undefined;
  const id = a.sendGoal(goal, noop, undefined, noop) ?? `goal-${++nextGoal}`;
  let ended = false,
    accepted = false;
  const end = (e: GoalEnd) => {
    if (ended) return;
    ended = true;
    release();
    safe(() => cb.onEnd(e));
  };
  const onMessage = (m: unknown) => {
    if (ended || !isObject(m)) return;
    if (m.op === 'action_feedback') {
      if (!accepted) {
        accepted = true;
        safe(() => cb.onAccepted?.());
      }
      safe(() => cb.onFeedback?.(m.values));
    } else if (m.op === 'action_result') {
      const status = typeof m.status === 'number' ? m.status : -1;
      const word = m.result === true ? ros2End(status) : null;
      if (m.result !== true)
        end({ status: 'rejected', reason: typeof m.values === 'string' ? m.values.slice(0, 500) : 'the action server refused the goal' });
      else if (word) end({ status: word, values: m.values });
      else end({ status: 'aborted', values: m.values, text: `unexpected final status ${status}` });
    }
  };
  // The server's word on the end, kept after a release: a result we trust, or a refusal.
  const serverEnd = (m: unknown) => {
    if (!isObject(m) || m.op !== 'action_result') return;
    const status = typeof m.status === 'number' ? m.status : -1;
    if (m.result !== true || ros2End(status)) conn.goalEnded(id);
    conn.ros.off(id, serverEnd);
  };
  conn.ros.on(id, onMessage);
  conn.ros.on(id, serverEnd);
  conn.statusWatch.set(id, (text) => {
    conn.goalEnded(id); // rosbridge refused the op: nothing runs
    end({ status: 'rejected', reason: text });
  });
  const release = () => {
    ended = true;
    conn.ros.off(id, onMessage);
    conn.statusWatch.delete(id);
  };
  return {
    id,
    cancel: () => {
      if (!ended && isCurrent()) cancelGoals2(conn, action, [id]);
    },
    release,
  };
}

/** ROS 2: cancel goals by rosbridge id (rosbridge finds them from any connection). */
export function cancelGoals2(conn: Connection, action: string, ids: readonly string[]): void {
  for (const id of ids) conn.ros.callOnConnection({ op: 'cancel_action_goal', id, action });
}

/** ROS 1: the latched cancel topic of `action` on this link (advertised once per link). */
function cancelTopic1(conn: Connection, action: string): Topic<unknown> {
  let t = conn.cancelTopics.get(action);
  if (!t) {
    t = new Topic<unknown>({
      ros: conn.ros,
      name: `${action}/cancel`,
      messageType: 'actionlib_msgs/GoalID',
      latch: true,
      reconnect_on_close: false,
    });
    t.advertise();
    conn.cancelTopics.set(action, t);
  }
  return t;
}

/** ROS 1: cancel goals by GoalID id (a zero stamp: exactly those goals, nothing by time). */
export function cancelGoals1(conn: Connection, action: string, ids: readonly string[]): void {
  const t = cancelTopic1(conn, action);
  for (const id of ids) if (id) t.publish({ id, stamp: { secs: 0, nsecs: 0 } });
}

/** ROS 1: the actionlib client of `action` on this link (made once per link). */
export function actionClient(conn: Connection, action: string, actionType: string): ActionClient<unknown, unknown, unknown> {
  let c = conn.actionClients.get(action);
  if (!c) {
    // The latched cancel topic first: the client's own (unlatched) advertise of it then reuses it.
    cancelTopic1(conn, action);
    c = new ActionClient<unknown, unknown, unknown>({ ros: conn.ros, serverName: action, actionName: actionType });
    c.statusListener.subscribe((msg) => {
      const list = isObject(msg) && Array.isArray(msg.status_list) ? (msg.status_list as unknown[]) : [];
      // A status array lists every goal the server keeps; cap the work per message.
      for (const s of list.slice(0, 256)) {
        if (!isObject(s) || !isObject(s.goal_id) || typeof s.goal_id.id !== 'string') continue;
        if (typeof s.status === 'number' && ros1End(s.status)) conn.goalEnded(s.goal_id.id);
      }
    });
    conn.actionClients.set(action, c);
  }
  return c;
}

/** ROS 1: send a goal through actionlib's topics. */
export function sendGoal1(
  conn: Connection,
  action: string,
  actionType: string,
  goal: unknown,
  cb: GoalCallbacks,
  isCurrent: () => boolean,
): GoalHandle {
  const client = actionClient(conn, action, actionType);
  const g = new Goal<unknown, unknown, unknown>({ actionClient: client, goalMessage: goal });
  let ended = false,
    accepted = false;
  // Set once the goal is sent, below; `release` may run before that.
  let resend: ReturnType<typeof setTimeout> | undefined = undefined;
  const release = () => {
    ended = true;
    if (resend) clearTimeout(resend);
    g.removeAllListeners();
    delete client.goals[g.goalID];
  };
  const end = (e: GoalEnd) => {
    if (ended) return;
    release();
    safe(() => cb.onEnd(e));
  };
  g.on('status', (s) => {
    if (ended || !isObject(s)) return;
    if (!accepted) {
      accepted = true;
      safe(() => cb.onAccepted?.());
    }
    // A REJECTED or RECALLED status ends the goal even if no result follows.
    const status = (s as { status?: unknown }).status;
    if (status === GOAL_STATUS_1.REJECTED) {
      conn.goalEnded(g.goalID);
      end({ status: 'rejected', reason: textOf(s) || 'the action server rejected the goal' });
    }
  });
  g.on('feedback', (f) => {
    if (!ended) safe(() => cb.onFeedback?.(f));
  });
  g.on('result', (r) => {
    if (ended) return;
    // The status that came with the result (emitted just before it) is the one to trust.
    const s = g.status as unknown;
    const code = isObject(s) && typeof s.status === 'number' ? s.status : -1;
    const word = ros1End(code);
    if (word) conn.goalEnded(g.goalID);
    if (word === 'rejected') end({ status: 'rejected', reason: textOf(s) || 'the action server rejected the goal' });
    else if (word) end({ status: word, values: r, text: textOf(s) });
    else end({ status: 'aborted', values: r, text: `unexpected final status ${code}` });
  });
  g.send();
  resend = setTimeout(() => {
    if (!accepted && !ended && isCurrent()) g.send();
  }, ROS1_RESEND_MS);
  resend.unref?.();
  return {
    id: g.goalID,
    cancel: () => {
      if (!ended && isCurrent()) cancelGoals1(conn, action, [g.goalID]);
    },
    release,
  };
}

function safe(f: () => void): void {
  try {
    f();
  } catch {
    /* a callback's failure must not break the link */
  }
}

function textOf(s: unknown): string {
  return isObject(s) && typeof s.text === 'string' ? s.text.slice(0, 300) : '';
}
