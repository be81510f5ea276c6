/**
 * Running one benchmark file directly (`node --import tsx bench/ui.ts`): the JSON report on
 * stdout and in bench/results/<name>.json, exit code 1 when a target was missed.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

/** True when `meta` is the module node was started with. */
export function isMain(meta: ImportMeta): boolean {
  return Boolean(process.argv[1]) && meta.url === pathToFileURL(process.argv[1]).href;
}

export async function runStandalone(meta: ImportMeta, name: string, run: () => Promise<{ pass: boolean }>): Promise<void> {
  if (!isMain(meta)) return;
  const report = await run();
  const text = JSON.stringify(report, null, 2) + '\n';
  process.stdout.write(text);
  const dir = new URL('./results/', import.meta.url);
  mkdirSync(dir, { recursive: true });
  writeFileSync(new URL(`${name}.json`, dir), text);
  process.exitCode = report.pass ? 0 : 1;
}
