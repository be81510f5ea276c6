/**
 * What the recognizer may hear in a running app: the live skills and named entities, plus the
 * unnamed objects on the table with a colour word read off their RGBA, so "pick up the green
 * toy car" is heard before TOY_CAR is taught (the planner then asks where it is).
 */
import type { App } from '../session/app.js';
import type { GrammarInput, SceneObject } from './grammar.js';

/** A plain colour word for an RGB(A) in 0..1, or undefined for muddy colours. */
export function colourName(rgba: readonly number[]): string | undefined {
  const [r, g, b] = rgba;
  const max = Math.max(r, g, b);
  const min = Math.min(r, g, b);
  const sat = max === 0 ? 0 : (max - min) / max;
  if (sat < 0.2) return max > 0.85 ? 'white' : max < 0.2 ? 'black' : 'grey';
  if (max < 0.15) return 'black';
  let h: number;
  if (max === r) h = ((g - b) / (max - min)) % 6;
  else if (max === g) h = (b - r) / (max - min) + 2;
  else h = (r - g) / (max - min) + 4;
  h = (h * 60 + 360) % 360;
  if (h < 15 || h >= 340) return 'red';
  if (h < 40) return 'orange';
  if (h < 70) return 'yellow';
  if (h < 165) return 'green';
  if (h < 255) return 'blue';
  if (h < 290) return 'purple';
  return 'pink';
}

/** The scene's bodies with colour words (objects and containers). */
export function sceneObjects(scene: App['scene']): SceneObject[] {
  return [...scene.objects, ...scene.containers].map((o) => {
    const colour = colourName(o.rgba);
    return { name: o.name, ...(colour ? { colour } : {}) };
  });
}

/** The grammar input for a running app, read fresh (call it after every change). */
export function appVocabulary(app: Pick<App, 'registry' | 'world' | 'scene'>): GrammarInput {
  return {
    skills: app.registry.list(),
    entities: app.world
      .list()
      .map(({ name, description, kind, container }) => ({ name, description, kind, ...(container === undefined ? {} : { container }) })),
    sceneObjects: sceneObjects(app.scene),
  };
}
