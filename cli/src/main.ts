#!/usr/bin/env node
/**
 * @module main
 * The `sluice` command: one subcommand per service, `up` for the whole pipeline on one machine, and the
 * tools (`replay`, `bench`). Each subcommand is imported only when used, so `sluice window` on a Pi does
 * not load the dashboard's or the broker's code.
 */
import { commands, usage } from './commands.js'

const [name, ...argv] = process.argv.slice(2)
const command = name === undefined ? undefined : commands[name]
if (command === undefined) {
  const unknown = name !== undefined && name !== '--help' && name !== '-h' && name !== 'help'
  ;(unknown ? process.stderr : process.stdout).write(
    (unknown ? `sluice: unknown command "${name}"\n\n` : '') + usage() + '\n',
  )
  process.exitCode = unknown ? 2 : 0
} else {
  command.run(argv).then(
    (code) => {
      if (code !== undefined) process.exitCode = code
    },
    (err: unknown) => {
      // A known failure (docs/errors.md) says its code and decides its exit code (2: bad flags).
      const { code, exitCode } = (err ?? {}) as { code?: unknown; exitCode?: unknown }
      const known = typeof code === 'string' && code.startsWith('SLUICE_ERR_')
      process.stderr.write(
        `sluice ${name}: ${err instanceof Error ? err.message : String(err)}\n` +
          (known ? `sluice ${name}: error code ${code} (docs/errors.md)\n` : ''),
      )
      process.exitCode = known && typeof exitCode === 'number' ? exitCode : 1
    },
  )
}
