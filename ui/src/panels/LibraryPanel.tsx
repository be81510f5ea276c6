/**
 * Primitives and taught behaviors (signature, body, description) and the named objects and
 * locations. Rename, forget and undo go through the planner as utterances ("rename pack to
 * wrap", "forget pack", "undo"), so the console and the dialogue do exactly the same thing.
 */
import { useEffect, useState } from 'react';
import type { EntityInfo, SkillInfo } from '../../../server/protocol.js';
import { pushDialog } from '../keys.js';
import { getClient } from '../net/client.js';
import { useSession } from '../stores/react.js';
import { say } from './actions.js';

function signature(s: SkillInfo): string {
  return `${s.name}(${s.params.map((p) => `${p.name}: ${p.type}`).join(', ')})`;
}

function bodyText(s: SkillInfo): string {
  return (s.body ?? [])
    .map(
      (b) =>
        `${b.skill}(${Object.values(b.args)
          .map((v) => (typeof v === 'object' ? v.param : String(v)))
          .join(', ')})`,
    )
    .join('; ');
}

export function LibraryPanel() {
  const skills = useSession((s) => s.skills);
  const entities = useSession((s) => s.entities);
  const primitives = skills.filter((s) => s.kind === 'primitive');
  const behaviors = skills.filter((s) => s.kind === 'behavior');
  return (
    <section className="library" data-testid="library">
      <div className="lib-head">
        <h3>Behaviors</h3>
        <button onClick={() => say('undo')} title="Take back the last thing taught (says “undo”)" data-testid="undo">
          ↶ Undo
        </button>
      </div>
      <ul className="lib-list">
        {behaviors.map((s) => (
          <SkillItem key={s.name} s={s} />
        ))}
        {behaviors.length === 0 && <li className="hint">None yet. Teach one: “let me teach you to pack”.</li>}
      </ul>
      <h3>Primitives</h3>
      <ul className="lib-list">
        {primitives.map((s) => (
          <li key={s.name} className="skill" data-skill={s.name}>
            <code>{signature(s)}</code>
            <div className="desc">{s.description}</div>
          </li>
        ))}
      </ul>
      <h3>Named objects and locations</h3>
      <ul className="lib-list">
        {entities.map((e) => (
          <EntityItem key={e.name} e={e} />
        ))}
      </ul>
    </section>
  );
}

function SkillItem({ s }: { s: SkillInfo }) {
  const [asking, setAsking] = useState(false);
  // Esc answers the question the safe way ("Keep asking"), and is not taken as a stop of the preview.
  useEffect(() => (asking ? pushDialog(() => setAsking(false)) : undefined), [asking]);
  return (
    <li className="skill behavior" data-skill={s.name}>
      <code>{signature(s)}</code>
      {s.autoConfirm && (
        <span className="badge auto" data-testid={`auto-badge-${s.name}`} title="Runs without asking for confirmation">
          runs without asking
        </span>
      )}
      {s.body && <div className="body">= {bodyText(s)}</div>}
      <div className="desc">{s.description}</div>
      <div className="row-actions">
        {/* Only behaviors the operator taught may skip the confirmation, and only after saying so explicitly. */}
        {!s.builtin && (
          <label title="Plans made only of auto-confirmed behaviors run without asking">
            <input
              type="checkbox"
              checked={s.autoConfirm}
              data-testid={`auto-${s.name}`}
              onChange={(e) => {
                if (e.target.checked) setAsking(true);
                else getClient().send({ type: 'auto_confirm', skill: s.name, enabled: false });
              }}
            />{' '}
            auto-confirm
          </label>
        )}
        {!s.builtin && <RenameForget name={s.name} />}
      </div>
      {asking && (
        <div
          role="alertdialog"
          aria-label={`Run ${s.name} without asking?`}
          className="confirm-dialog"
          data-testid={`auto-dialog-${s.name}`}
        >
          <p>
            Run <code>{s.name}</code> without asking? When a plan is only {s.name}, the arm moves as soon as it is planned, with no preview
            to confirm. Stop still works.
          </p>
          <div className="btn-row">
            <button
              type="button"
              data-testid={`auto-yes-${s.name}`}
              onClick={() => {
                setAsking(false);
                getClient().send({ type: 'auto_confirm', skill: s.name, enabled: true, acknowledged: true });
              }}
            >
              Run without asking
            </button>
            <button type="button" onClick={() => setAsking(false)} autoFocus aria-keyshortcuts="Escape">
              Keep asking <kbd>Esc</kbd>
            </button>
          </div>
        </div>
      )}
    </li>
  );
}

function EntityItem({ e }: { e: EntityInfo }) {
  return (
    <li className={`entity ${e.kind}`} data-entity={e.name}>
      <code>{e.name}</code>{' '}
      <span className="kind">
        {e.kind}
        {e.container ? ' · container' : ''}
      </span>
      <div className="desc">{e.description}</div>
      {e.position && <div className="pos">at ({e.position.map((v) => v.toFixed(2)).join(', ')}) m</div>}
      <div className="row-actions">
        <RenameForget name={e.name} />
      </div>
    </li>
  );
}

function RenameForget({ name }: { name: string }) {
  const [editing, setEditing] = useState(false);
  const [to, setTo] = useState('');
  if (editing) {
    return (
      <form
        className="rename"
        onSubmit={(ev) => {
          ev.preventDefault();
          if (to.trim()) say(`rename ${name} to ${to.trim()}`);
          setEditing(false);
          setTo('');
        }}
      >
        <input autoFocus value={to} onChange={(ev) => setTo(ev.target.value)} placeholder="new name" aria-label={`New name for ${name}`} />
        <button type="submit">Rename</button>
        <button type="button" onClick={() => setEditing(false)} aria-label={`Keep the name ${name}`} title="Keep the name">
          ×
        </button>
      </form>
    );
  }
  return (
    <>
      <button className="link" onClick={() => setEditing(true)} aria-label={`rename ${name}`}>
        rename
      </button>
      <button className="link" onClick={() => say(`forget ${name}`)} aria-label={`forget ${name}`}>
        forget
      </button>
    </>
  );
}
