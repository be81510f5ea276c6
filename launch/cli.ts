/**
 * The `shammie` command line.
 *
 *   shammie start  [--scene S] [--seed N] [--robot R] [--port P] [--host H] [--allow-host NAME] [--tls-cert F --tls-key F]
 *   shammie repl   [--scene S] [--seed N] [--robot R] [--fast]
 *   shammie run FILE [--json] [--scene S] [--seed N] [--robot R] [--confirm-each] [--speak-through]
 *   shammie transcribe FILE.wav [--json] [--backend pocketsphinx|whisper|openai]
 *   shammie bench  [--only ik|plan|sim|memory|dmp|ros|ui|capture|collision|stop|speech] [--samples N]
 *   shammie doctor [--profile P] [--move] [--yes] [--json]
 *   shammie library <show|export|import|undo> …    shammie film <export|info> FILM …
 *
 * A mistake on the command line is one line naming it and pointing at --help, exit status 2.
 *
 * start, repl and run take --profile P: sim (default), ros2-rosbridge, ros2-rclnodejs,
 * ros1-rosbridge or a profile YAML path (launch/profile.ts, docs/ros2.md).
 */
import { existsSync } from 'node:fs';
import type { ParseArgsConfig } from 'node:util';
import { helpPointer, parseCommandArgs } from './args.js';
import { CliError } from './errors.js';
import type { BenchName } from '../bench/index.js';

const USAGE = `usage: shammie <command> [options]

commands:
  start              start the simulated arm and the session server (prints its URL)
  repl               talk to the robot in the terminal; shows each plan and asks y/n; motions run
                     in real time, and "stop" typed while the arm moves halts it
  run FILE           run a dialogue script headless (see README: script format)
  bench              run the benchmarks and print JSON
  library ...        show, export, import or undo the skill library (shammie library --help)
  doctor             check a robot profile: link, topics, joint states, controllers (--move to test-move)
  report LOG         the session measures of a logged session (supervision time, behaviors, failures)
  film ...           export a stop-motion film, by name, as MP4 or GIF (shammie film --help)
  transcribe FILE    speech to text for a recording, with the robot's grammar (shammie transcribe --help)

common options:
  --profile P        what drives the arm: sim (default), ros2-rosbridge, ros2-rclnodejs,
                     ros1-rosbridge, or a profile YAML path (see docs/ros2.md)
  --scene S          scene name (giftbag) or path to a scene JSON file
  --seed N           random seed for the scene (default: the scene's)
  --robot R          panda (default), ur5e, or a path to a URDF file
  --allow-bad-limits accept a URDF whose joint limits are missing or beyond physical bounds:
                     missing ones become slow, narrow defaults, others are clamped; each is warned
  --data DIR         the workspace folder: skill library and session logs
                     (default ./shammie-data, or $SHAMMIE_DATA)

run options:
  --json             print one JSON document with every turn and the final world
  --confirm-each     wait for !confirm / !cancel lines instead of auto-confirming
  --speak-through    say every text line with espeak-ng and recognize it (the full speech loop)

repl options:
  --fast             run the sim faster than real time (motions finish at once; no time to stop them)

doctor options:
  --move             after a y/n, move each joint by a small safe amount and back
  --yes              answer y to the --move question (scripts)
  --json             print the report as JSON

start options:
  --port P           port for the session server (default 8686; 0 picks a free one); a port
                     already in use is refused at once
  --host H           address to listen on (default 127.0.0.1; anything else prints what that exposes)
  --allow-host NAME  a host name clients use to reach the server (repeatable; loopback and this
                     machine's names and addresses are always allowed)
  --tls-cert F, --tls-key F   serve HTTPS with this certificate and key (PEM files)
`;

const COMMON: ParseArgsConfig['options'] = {
  profile: { type: 'string' },
  scene: { type: 'string' },
  seed: { type: 'string' },
  robot: { type: 'string' },
  'allow-bad-limits': { type: 'boolean' },
  data: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
};

/** where `shammie start` listens unless --port says otherwise */
const DEFAULT_PORT = 8686;

function dataDir(v: unknown): string {
  return (v as string | undefined) ?? process.env.SHAMMIE_DATA ?? 'shammie-data';
}

/** Parse a command's flags (the common ones too); a mistake is one line pointing at --help. */
function parse(command: string, argv: string[], options: ParseArgsConfig['options'], positionals = 0, names?: string) {
  return parseCommandArgs(command, argv, { ...COMMON, ...options }, { count: positionals, names });
}

export function parseSeed(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^-?\d+$/.test(v)) throw new CliError(`--seed must be an integer, got "${v}"`);
  return Number(v);
}

function tlsOption(cert: string | undefined, key: string | undefined): { cert: string; key: string } | undefined {
  if (cert === undefined && key === undefined) return undefined;
  if (!cert || !key) throw new CliError('--tls-cert and --tls-key go together: give both PEM files');
  for (const f of [cert, key]) if (!existsSync(f)) throw new CliError(`no such file ${f}`);
  return { cert, key };
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'start': {
        const { values } = parse(
          'start',
          rest,
          {
            port: { type: 'string' },
            host: { type: 'string' },
            'allow-host': { type: 'string', multiple: true },
            'tls-cert': { type: 'string' },
            'tls-key': { type: 'string' },
          },
          0,
        );
        if (values.help) return usage();
        const port = values.port === undefined ? DEFAULT_PORT : Number(values.port);
        if (!/^\d+$/.test(String(values.port ?? DEFAULT_PORT)) || port > 65535)
          throw new CliError(`--port must be 0..65535, got "${String(values.port)}". ${helpPointer('start')}`);
        const host = (values.host as string | undefined) ?? '127.0.0.1';
        const options = {
          profile: values.profile as string | undefined,
          dataDir: dataDir(values.data),
          scene: values.scene as string | undefined,
          seed: parseSeed(values.seed as string | undefined),
          robot: values.robot as string | undefined,
          allowBadLimits: Boolean(values['allow-bad-limits']),
          port,
          host,
          allowHosts: values['allow-host'] as string[] | undefined,
          tls: tlsOption(values['tls-cert'] as string | undefined, values['tls-key'] as string | undefined),
        };
        // Before loading anything (the sim, the console build): a taken port is known in milliseconds.
        const { portProblem } = await import('./port.js');
        const taken = await portProblem(port, host);
        if (taken) throw new CliError(taken);
        const { start } = await import('./start.js');
        return await start(options);
      }
      case 'repl': {
        const { values } = parse('repl', rest, { fast: { type: 'boolean' } });
        if (values.help) return usage();
        const { repl } = await import('./repl.js');
        return await repl({
          profile: values.profile as string | undefined,
          dataDir: dataDir(values.data),
          scene: values.scene as string | undefined,
          seed: parseSeed(values.seed as string | undefined),
          robot: values.robot as string | undefined,
          allowBadLimits: Boolean(values['allow-bad-limits']),
          fast: Boolean(values.fast),
        });
      }
      case 'run': {
        const { values, positionals } = parse(
          'run',
          rest,
          { json: { type: 'boolean' }, 'confirm-each': { type: 'boolean' }, 'speak-through': { type: 'boolean' } },
          1,
          'a script FILE',
        );
        if (values.help) return usage();
        const { runCommand } = await import('./run.js');
        return await runCommand({
          file: positionals[0],
          dataDir: dataDir(values.data),
          json: Boolean(values.json),
          confirmEach: Boolean(values['confirm-each']),
          scene: values.scene as string | undefined,
          seed: parseSeed(values.seed as string | undefined),
          robot: values.robot as string | undefined,
          allowBadLimits: Boolean(values['allow-bad-limits']),
          profile: values.profile as string | undefined,
          speakThrough: Boolean(values['speak-through']),
        });
      }
      case 'bench': {
        const { values } = parse('bench', rest, { only: { type: 'string' }, samples: { type: 'string' } });
        if (values.help) return usage();
        const { runBenchmarks } = await import('../bench/index.js');
        const samples = values.samples === undefined ? undefined : Number(values.samples);
        if (samples !== undefined && !(Number.isInteger(samples) && samples > 0))
          throw new CliError(`--samples must be a positive integer`);
        const only = values.only as string | undefined;
        const names: BenchName[] = ['ik', 'plan', 'sim', 'memory', 'dmp', 'ros', 'ui', 'capture', 'collision', 'stop', 'speech'];
        if (only && !names.includes(only as BenchName)) throw new CliError(`--only must be one of ${names.join(', ')}`);
        const report = await runBenchmarks({ only: only as BenchName | undefined, samples });
        const text = JSON.stringify(report, null, 2) + '\n';
        process.stdout.write(text);
        // Keep the latest figures on disk too (bench/results/ is not committed).
        const { mkdirSync, writeFileSync } = await import('node:fs');
        const dir = new URL('../bench/results/', import.meta.url);
        mkdirSync(dir, { recursive: true });
        writeFileSync(new URL('latest.json', dir), text);
        return report.pass ? 0 : 1;
      }
      case 'doctor': {
        const { values } = parse('doctor', rest, { move: { type: 'boolean' }, yes: { type: 'boolean' }, json: { type: 'boolean' } });
        if (values.help) return usage();
        const { doctorCommand } = await import('./doctor.js');
        return await doctorCommand({
          profile: (values.profile as string | undefined) ?? 'ros2-rosbridge',
          move: Boolean(values.move),
          yes: Boolean(values.yes),
          json: Boolean(values.json),
          robot: values.robot as string | undefined,
          allowBadLimits: Boolean(values['allow-bad-limits']),
          scene: values.scene as string | undefined,
        });
      }
      case 'report': {
        const { reportCommand } = await import('./report.js');
        return await reportCommand(rest);
      }
      case 'library': {
        const { libraryCommand } = await import('./library-cli.js');
        return await libraryCommand(rest);
      }
      case 'transcribe': {
        const { transcribeCommand } = await import('./speech-cli.js');
        return await transcribeCommand(rest);
      }
      case 'film': {
        const { filmCommand } = await import('../studio/film.js');
        return await filmCommand(rest);
      }
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        return usage();
      default:
        throw new CliError(`unknown command "${command}". See 'shammie --help'.`);
    }
  } catch (err) {
    if (err instanceof CliError) {
      process.stderr.write(`shammie: ${err.message}\n`);
      return 2;
    }
    // Errors with a user-facing message (bad scene, bad URDF, bad script) carry their class name.
    const e = err as Error;
    if (
      [
        'ScriptError',
        'SceneError',
        'UrdfError',
        'ConfigError',
        'LibraryError',
        'ProfileError',
        'RosConnectionError',
        'SpeechUnavailableError',
        'AudioError',
      ].includes(e?.name)
    ) {
      process.stderr.write(`shammie: ${e.message}\n`);
      return 2;
    }
    process.stderr.write(`shammie: unexpected error: ${e?.stack ?? String(err)}\n`);
    return 1;
  }
}

function usage(): number {
  process.stdout.write(USAGE);
  return 0;
}
