/**
 * Command-line parsing for the `shammie` commands: node:util's parseArgs, with its refusals
 * turned into one plain line that names the command and points at its --help (instead of the
 * parser's multi-line message and the whole usage text).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CliError } from './errors.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** What parseArgs returns for these options (values typed loosely, as the callers check them). */
export interface ParsedArgs {
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  positionals: string[];
}

/**
 * Parse `argv` for `shammie <command>`. `positionals` is how many arguments the command takes
 * (`names` says what they are, for the error). Throws CliError with one line.
 */
export function parseCommandArgs(
  command: string,
  argv: string[],
  options: Options,
  positionals: { count: number; names?: string } = { count: 0 },
): ParsedArgs {
  let parsed: ParsedArgs;
  try {
    const r = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    parsed = { values: r.values, positionals: r.positionals };
  } catch (err) {
    throw new CliError(argsErrorLine(err, command, Object.keys(options)));
  }
  // --help wins over a missing or extra argument: the user is asking how to call it.
  if (parsed.values.help) return parsed;
  const n = parsed.positionals.length;
  if (n > positionals.count) {
    throw new CliError(`unexpected argument "${parsed.positionals[positionals.count]}" for '${command}'. ${helpPointer(command)}`);
  }
  if (n < positionals.count) {
    throw new CliError(`'${command}' needs ${positionals.names ?? `${positionals.count} argument(s)`}. ${helpPointer(command)}`);
  }
  return parsed;
}

export function helpPointer(command: string): string {
  return `See 'shammie ${command} --help'.`;
}

/** One line for an error thrown by node:util's parseArgs; `known` are the command's option names. */
export function argsErrorLine(err: unknown, command: string, known: string[] = []): string {
  const e = err as { code?: string; message?: string } | null;
  const msg = e?.message ?? String(err);
  const quoted = /'([^']+)'/.exec(msg)?.[1];
  const help = helpPointer(command);
  switch (e?.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION': {
      const opt = quoted ?? 'option';
      const near = nearest(opt.replace(/^-+/, '').split('=')[0], known);
      return `unknown option '${opt}' for '${command}'.${near ? ` Did you mean '--${near}'?` : ''} ${help}`;
    }
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      const opt = (quoted ?? 'option').replace(/ <value>$/, '');
      if (/does not take an argument/.test(msg)) return `option '${opt}' takes no value. ${help}`;
      return `option '${opt}' needs a value. ${help}`;
    }
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument "${quoted ?? ''}" for '${command}'. ${help}`;
    default:
      return `${msg.split('\n')[0]} ${help}`;
  }
}

/** The known option closest to a mistyped one (at most 2 edits away, and not a wild guess for short names). */
function nearest(typed: string, known: string[]): string | null {
  if (typed.length < 3) return null;
  let best: string | null = null;
  let bestD = 3;
  for (const k of known) {
    const d = editDistance(typed, k);
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  // Option names are short (tens of characters): the full table is cheap. Capped anyway.
  if (a.length > 64 || b.length > 64) return Infinity;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}
