/**
 * @module launch
 * The two steps every launcher shares: find the program (the caller's command, else the local binary,
 * else a Docker image where an engine is reachable), and run it in a temporary directory that is removed
 * when it fails to start or is stopped.
 */
import { StartFailedError } from './errors.js'
import { findProgram } from './external.js'
import { tempDir } from './temp-dir.js'

/** Where to launch a program from. */
export type ProgramSource = { readonly path: string } | { readonly image: string }

/**
 * Finds `name` (or uses `command`); throws {@link StartFailedError} when it is neither installed nor
 * available as an image.
 */
export function locateProgram(name: string, command?: string): ProgramSource {
  if (command !== undefined) return { path: command }
  const lookup = findProgram(name)
  if (lookup.path !== undefined) return { path: lookup.path }
  if (lookup.image !== undefined) return { image: lookup.image }
  throw new StartFailedError(`${name} is not installed: ${lookup.skip ?? ''}`)
}

/**
 * Runs `start` with a new temporary directory; the directory is removed if `start` fails, and after the
 * returned handle's `stop()`.
 */
export async function inTempDir<T extends { stop(): Promise<void> }>(
  prefix: string,
  start: (dir: string) => Promise<T>,
): Promise<T> {
  const dir = await tempDir(prefix)
  try {
    const running = await start(dir.path)
    return {
      ...running,
      async stop() {
        await running.stop()
        await dir.remove()
      },
    }
  } catch (err) {
    await dir.remove()
    throw err
  }
}
