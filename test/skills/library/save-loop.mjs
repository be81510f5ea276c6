// Child process for kill.test.ts: opens a library and saves it in a tight loop until killed.
//   node save-loop.mjs LIBRARY_MODULE_URL DIR loop          → save forever, printing "saved N"
//   node save-loop.mjs LIBRARY_MODULE_URL DIR <phase>       → SIGKILL itself at one point of the next save
// Phases patch node:fs (syncBuiltinESMExports updates the library's named imports) so the kill
// lands exactly mid-write, before fsync, before rename or after rename.
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';

const [moduleUrl, dir, phase] = process.argv.slice(2);
const { SkillLibrary } = await import(moduleUrl);
const lib = SkillLibrary.open(dir);
const counterOf = (l) => Number(/step (\d+)/.exec(l.behaviors().find((b) => b.name === 'counter')?.description ?? '')?.[1] ?? 0);
let n = counterOf(lib);
process.stdout.write(`ready ${n}\n`);

const die = () => {
  process.kill(process.pid, 'SIGKILL');
  for (;;) {
    /* nothing more may happen */
  }
};
if (phase !== 'loop') {
  if (phase === 'mid-write') {
    const write = fs.writeSync;
    fs.writeSync = (fd, buf, off, len) => {
      write(fd, buf, off, Math.floor(len / 2));
      die();
    };
  } else if (phase === 'before-fsync') fs.fsyncSync = die;
  else if (phase === 'before-rename') fs.renameSync = die;
  else if (phase === 'after-rename') {
    const rename = fs.renameSync;
    fs.renameSync = (a, b) => {
      rename(a, b);
      die();
    };
  } else throw new Error(`unknown phase ${phase}`);
  syncBuiltinESMExports();
}

for (;;) {
  n++;
  lib.addBehavior({ name: 'counter', description: `step ${n}`, kind: 'behavior', params: [], body: [{ skill: 'go_home', args: {} }] });
  // Pipes are written synchronously on Linux: once this line is out, the save had returned.
  process.stdout.write(`saved ${n}\n`);
}
