/**
 * @module commands/broker
 * `sluice broker`: its `--help`, generated from the broker's flag schema (`BrokerFlagsSchema`, which the
 * broker's `parseBrokerFlags` reads with the services' config loader), and the broker run by the broker
 * package's `runBroker` until SIGINT/SIGTERM. `sluice up` starts its broker with the same
 * `parseBrokerFlags` (`up/starters.ts`).
 */
import { BROKER_PASSWD_USAGE, BrokerFlagsSchema, type BrokerLogger } from '@sluice/broker'
import { describeOptions } from '../help.js'

/** `sluice broker --help`, generated from `BrokerFlagsSchema`. */
export const BROKER_HELP = [
  'Usage: sluice broker [--config broker.yaml] [options]',
  BROKER_PASSWD_USAGE,
  '',
  'Options are read from the YAML file, then SLUICE_* environment variables, then flags.',
  '',
  ...describeOptions(BrokerFlagsSchema),
].join('\n')

/** Runs `sluice broker` (or `sluice broker passwd …`) until SIGINT/SIGTERM. */
export async function runBrokerCommand(
  argv: readonly string[],
  summary: string,
  /** Makes the broker's logger (loaded only when the broker runs). */
  makeLogger: () => Promise<{ logger: BrokerLogger }>,
): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${summary}\n\n${BROKER_HELP}\n`)
    return 0
  }
  const { runBroker } = await import('@sluice/broker')
  // `runBroker` also runs `passwd`, and refuses bad flags (every problem at once) before it starts.
  const { logger } = argv[0] === 'passwd' ? {} : await makeLogger()
  await runBroker(argv, { env: process.env, ...(logger === undefined ? {} : { logger }) })
  return 0
}
