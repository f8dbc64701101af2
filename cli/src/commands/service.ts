/**
 * @module commands/service
 * Runs one service as a process (`sluice window`, `sluice anomaly`, …) against any broker: `--help` from
 * its config schema, otherwise the mesh runtime's `runService`, which owns config, signals and exit codes.
 */
import type { TObject } from '@sinclair/typebox'
import { CommonConfigSchema, runService, type ServiceDefinition } from '@sluice/mesh'
import { serviceHelp } from '../help.js'

/** Runs `def` with `argv` (the arguments after the subcommand); `extra` usage lines go in `--help`. */
export function runServiceCommand<S extends TObject>(
  command: string,
  summary: string,
  def: ServiceDefinition<S>,
  argv: readonly string[],
  extra: readonly string[] = [],
): void {
  if (argv.includes('--help') || argv.includes('-h')) {
    const help = serviceHelp(command, summary, def.configSchema, CommonConfigSchema, extra)
    process.stdout.write(help + '\n')
    return
  }
  runService(def, argv)
}
