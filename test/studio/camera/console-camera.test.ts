/** The sim's wrist camera, rendered by a console: request routing, checks on the answer, timeouts. */
import { describe, expect, it } from 'vitest';
import { ConsoleCamera, decodeBase64, DEFAULT_CAMERA, NO_CONSOLE } from '../../../studio/camera/index.js';
import { testPattern } from '../../../studio/png.js';

type Sent = { to: string; msg: { requestId: string; width: number; height: number } };

function rig(consoles: string[], timeout = 2) {
  const sent: Sent[] = [];
  const cam = new ConsoleCamera<string>(
    { consoles: () => consoles, send: (to, msg) => sent.push({ to, msg }) },
    { ...DEFAULT_CAMERA, width: 96, height: 54, timeout },
  );
  return { cam, sent };
}

describe('ConsoleCamera', () => {
  it('asks the first console for the configured size and takes its PNG', async () => {
    const { cam, sent } = rig(['opener', 'other']);
    const shot = cam.capture();
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ to: 'opener', msg: { width: 96, height: 54 } });
    const png = testPattern(96, 54, 1);
    expect(cam.frame('other', sent[0].msg.requestId, png.toString('base64'))).toMatch(
      /no wrist-camera capture .* is waiting for this console/,
    );
    expect(cam.frame('opener', sent[0].msg.requestId, png.toString('base64'))).toBeNull();
    expect(await shot).toEqual({ png, width: 96, height: 54 });
    expect(cam.waiting).toBe(0);
    expect(cam.frame('opener', sent[0].msg.requestId, png.toString('base64'))).toMatch(/timed out or was answered/);
    expect(cam.status()).toMatchObject({ available: true, message: '2 consoles connected; the first renders the wrist camera' });
  });

  it('refuses a wrong size or a non-PNG, and fails when the console renders nothing, goes away or is not there', async () => {
    const { cam, sent } = rig(['a'], 0.1);
    let shot = cam.capture();
    expect(cam.frame('a', sent[0].msg.requestId, testPattern(95, 54, 1).toString('base64'))).toBe(
      'the image is 95×54, not the requested 96×54',
    );
    await expect(shot).rejects.toThrow("the console's wrist-camera frame was refused: the image is 95×54, not the requested 96×54");
    shot = cam.capture();
    expect(cam.frame('a', sent[1].msg.requestId, 'not base64!')).toBe('the image is not a PNG');
    await expect(shot).rejects.toThrow(/not a PNG/);
    shot = cam.capture();
    cam.failed('a', sent[2].msg.requestId, 'WebGL context lost');
    await expect(shot).rejects.toThrow('the console could not render the wrist camera: WebGL context lost');
    shot = cam.capture();
    cam.detached('a');
    await expect(shot).rejects.toThrow(/disconnected/);
    await expect(cam.capture()).rejects.toThrow(/no console rendered the wrist camera within 0.1 s: open the console URL/);
    expect(cam.waiting).toBe(0);
    const none = rig([]);
    await expect(none.cam.capture()).rejects.toThrow(NO_CONSOLE);
    expect(none.cam.status()).toMatchObject({ available: false, hint: expect.stringMatching(/Open the console URL/) as unknown });
  });

  it('decodes strict base64 only (a data: URL prefix is fine)', () => {
    expect(decodeBase64('aGVsbG8=')?.toString()).toBe('hello');
    expect(decodeBase64('data:image/png;base64,aGVsbG8=')?.toString()).toBe('hello');
    expect(decodeBase64('aGVsbG8')).toBeNull();
    expect(decodeBase64('a*b=')).toBeNull();
  });
});
