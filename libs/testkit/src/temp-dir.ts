/**
 * @module temp-dir
 * Temporary directories for tests and launched programs, removed on `remove()` and, as a safety net,
 * when the process exits.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** A temporary directory and how to remove it. */
export interface TempDir {
  /** Absolute path of the directory. */
  readonly path: string
  /** Removes the directory and everything in it; safe to call twice. */
  remove(): Promise<void>
}

const pending = new Set<string>()
let exitHookInstalled = false

function installExitHook(): void {
  if (exitHookInstalled) return
  exitHookInstalled = true
  process.once('exit', () => {
    for (const path of pending) rmSync(path, { recursive: true, force: true })
  })
}

/**
 * Creates a fresh directory under the OS temp dir.
 *
 * @example
 * ```ts
 * const dir = await tempDir('spool-')
 * afterEach(() => dir.remove())
 * ```
 */
export function tempDir(prefix = 'sluice-test-'): Promise<TempDir> {
  installExitHook()
  const path = mkdtempSync(join(tmpdir(), prefix))
  pending.add(path)
  return Promise.resolve({
    path,
    async remove() {
      pending.delete(path)
      await rm(path, { recursive: true, force: true })
    },
  })
}
