import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_STOP_AFTER, loadScript, parseScript, ScriptError } from '../../session/script.js';

describe('dialogue scripts', () => {
  it('parses utterances, comments and operator actions with line numbers', () => {
    const lines = parseScript(
      [
        '# the gift bag',
        '',
        'pick up the candy  # inline comment',
        '!confirm',
        '!stop',
        '!stop 1.25',
        '!click 0.5 -0.1 0.02',
        '!cancel',
      ].join('\n'),
    );
    expect(lines).toEqual([
      { line: 3, type: 'utterance', text: 'pick up the candy' },
      { line: 4, type: 'confirm' },
      { line: 5, type: 'stop', after: DEFAULT_STOP_AFTER },
      { line: 6, type: 'stop', after: 1.25 },
      { line: 7, type: 'click', point: [0.5, -0.1, 0.02] },
      { line: 8, type: 'cancel' },
    ]);
  });

  it.each([
    ['!jump', /unknown operator action "!jump"/],
    ['!click 1 2', /usage: !click X Y Z/],
    ['!click 1 two 3', /"two" is not a number/],
    ['!click 1 2 300', /more than 10 m away/],
    ['!stop soon', /non-negative number of seconds/],
    ['!confirm now', /takes no arguments/],
    ['x'.repeat(600), /at most 500/],
  ])('rejects %s with a clear message naming the line', (text, msg) => {
    expect(() => parseScript(`go home\n${text}`, 'demo.txt')).toThrow(ScriptError);
    expect(() => parseScript(`go home\n${text}`, 'demo.txt')).toThrow(msg);
    expect(() => parseScript(`go home\n${text}`, 'demo.txt')).toThrow(/demo\.txt:2/);
  });

  it('refuses binary files and missing files', () => {
    expect(() => parseScript('go\u0000home')).toThrow(/binary/);
    expect(() => loadScript('/nonexistent/script.txt')).toThrow(/no such file/);
  });

  it('loads from disk', () => {
    const dir = mkdtempSync(join(tmpdir(), 'shammie-script-'));
    const f = join(dir, 's.txt');
    writeFileSync(f, 'go home\r\n!stop 0.2\r\n');
    expect(loadScript(f)).toEqual([
      { line: 1, type: 'utterance', text: 'go home' },
      { line: 2, type: 'stop', after: 0.2 },
    ]);
  });
});
