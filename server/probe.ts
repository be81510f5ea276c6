/**
 * Start-up probes for the optional parts. Nothing is downloaded; each probe looks for what
 * the user would have installed or configured and says what to do when it is missing.
 */
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export interface ProbeResult {
  name: string;
  available: boolean;
  message: string;
}

function onPath(bin: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((d) => d && existsSync(join(d, bin)));
}

/** What is installed of the optional parts (checks the environment and PATH; async so a probe may ask a server later). */
export function probeOptionalParts(env: NodeJS.ProcessEnv = process.env): Promise<ProbeResult[]> {
  const out: ProbeResult[] = [];
  const base = env.OPENAI_BASE_URL;
  const model = env.SHAMMIE_LLM_MODEL;
  out.push(
    base && model
      ? {
          name: 'LLM planner',
          available: true,
          message: `in use: model ${model} at ${base} (falls back to a question, never a move, when it does not answer)`,
        }
      : {
          name: 'LLM planner',
          available: false,
          message:
            'not configured; using the embedded offline planner. To use one, set OPENAI_BASE_URL, OPENAI_API_KEY and SHAMMIE_LLM_MODEL (any OpenAI-compatible server).',
        },
  );
  out.push(
    onPath('pocketsphinx_continuous') || onPath('pocketsphinx')
      ? {
          name: 'speech (offline)',
          available: true,
          message: `pocketsphinx found: hold Talk (or V) in the console and speak${onPath('espeak-ng') ? '; replies are spoken with espeak-ng' : '; install espeak-ng for spoken replies'}`,
        }
      : {
          name: 'speech (offline)',
          available: false,
          message: 'pocketsphinx not found; type commands instead. To talk to it: apt-get install pocketsphinx pocketsphinx-en-us',
        },
  );
  const whisper = env.SHAMMIE_WHISPER_MODEL;
  out.push(
    whisper
      ? existsSync(whisper)
        ? { name: 'Whisper model', available: true, message: `model file ${whisper}` }
        : {
            name: 'Whisper model',
            available: false,
            message: `SHAMMIE_WHISPER_MODEL points to ${whisper}, which does not exist; give the path of a ggml model file you downloaded`,
          }
      : {
          name: 'Whisper model',
          available: false,
          message: 'optional; set SHAMMIE_WHISPER_MODEL to a local ggml model file to use Whisper (nothing is downloaded)',
        },
  );
  out.push(
    env.AMENT_PREFIX_PATH
      ? {
          name: 'ROS 2',
          available: true,
          message: `sourced (AMENT_PREFIX_PATH=${env.AMENT_PREFIX_PATH.split(delimiter)[0]}…); use --profile ros2-rclnodejs to drive the arm over DDS`,
        }
      : {
          name: 'ROS 2',
          available: false,
          message:
            'not sourced; driving the simulated arm. For a real arm: shammie start --profile ros2-rosbridge (rosbridge_server) or source ROS 2 for --profile ros2-rclnodejs; see docs/ros2.md',
        },
  );
  return Promise.resolve(out);
}
