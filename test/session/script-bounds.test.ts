/**
 * Scripts: `!click` and `!stop` numbers are bounded when the file is parsed (the absolute world
 * limit, a delay cap), and every `!click` is checked against the robot's workspace before the
 * first line runs.
 */
import { describe, expect, it } from 'vitest';
import { workspaceFor } from '../../model/bounds.js';
import { loadRobotModel } from '../../model/description/robot-model.js';
import { checkScript, parseScript, ScriptError } from '../../session/script.js';

describe('script bounds', () => {
  it.each([
    ['!click 0.5 0 1e306', /demo\.txt:2: !click z = 1e\+306 m is more than 10 m away/],
    ['!click -1e6 0 0', /demo\.txt:2: !click x = -1e\+6 m is more than 10 m away/],
    ['!click 0.5 nan 0', /"nan" is not a number/],
    ['!click 0.5 Infinity 0', /"Infinity" is not a number/],
    ['!stop 1e306', /demo\.txt:2: !stop expects a non-negative number of seconds, at most 600, got "1e306"/],
    ['!stop -1', /non-negative number of seconds/],
  ])('refuses %s when the file is read', (line, message) => {
    expect(() => parseScript(`go home\n${line}\n`, 'demo.txt')).toThrow(ScriptError);
    expect(() => parseScript(`go home\n${line}\n`, 'demo.txt')).toThrow(message);
  });

  it('takes a !stop up to the cap and a !click inside ±10 m', () => {
    expect(parseScript('!stop 600\n!click 0.5 -0.1 0\n')).toEqual([
      { line: 1, type: 'stop', after: 600 },
      { line: 2, type: 'click', point: [0.5, -0.1, 0] },
    ]);
  });

  it("checkScript refuses a !click outside the robot's workspace, naming the line, and takes the table top", () => {
    const ws = workspaceFor(loadRobotModel('panda'), { table: { size: [1.4, 1.2], center: [0.35, 0], thickness: 0.04 }, name: 'giftbag' });
    const lines = parseScript('pick up the toy car\n!click 0.5 0.1 0\n# fine so far\n!click 0.5 0 5\n');
    expect(() => checkScript(lines, ws, 'demo.txt')).toThrow(ScriptError);
    expect(() => checkScript(lines, ws, 'demo.txt')).toThrow(
      /^demo\.txt:4: !click point z 5 m is outside the workspace \(z -0\.04\.\.\d\.\d+ m\); click on the table or an object \(panda's reach and the table of giftbag\)$/,
    );
    expect(() => checkScript(lines.slice(0, 2), ws, 'demo.txt')).not.toThrow();
  });
});
