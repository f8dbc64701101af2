/**
 * @module spool/spool-lock
 * One process per spool. Two forwarders appending to one spool directory (two `sluice up` in one
 * directory on other ports, or two `sluice forward` with the same `--dataDir`) would interleave their
 * records in the same segment while each indexes only its own, and each would move the same cursor: the
 * records then read as corrupt or are skipped. So the spool holds a `lock` file naming its process while
 * it is open, and a second process refuses to open it, with {@link SpoolLockedError}.
 *
 * A lock left behind by a process that no longer runs (a crash, a kill) is taken over. So is one of this
 * very process: a forwarder restarted inside `sluice up`'s process after a crash never closed its spool.
 * A lock is created and written in one call; one that names no process is taken for one being written
 * at that moment, so it is held (the error says to delete it if no forwarder runs).
 * The lock uses `node:fs` itself, not the spool's injectable file operations: it is about processes, not
 * about the disk a test makes fail.
 */
import { existsSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { SpoolLockedError } from '../errors.js'

/** Whether a process with this id runs (possibly as another user). */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** The process named in the lock file at `path`, or undefined if it names none. */
function holderOf(path: string): number | undefined {
  try {
    const pid = Number(readFileSync(path, 'utf8').trim())
    return Number.isInteger(pid) && pid > 0 ? pid : undefined
  } catch {
    return undefined
  }
}

/** Removes `path`, if it is still there (another process may have removed it first). */
function remove(path: string): void {
  try {
    unlinkSync(path)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
}

/**
 * Takes the spool directory `dir` for this process, or throws {@link SpoolLockedError} when another
 * running process holds it. Returns the function that gives it back (at close).
 */
export function lockSpool(dir: string): () => void {
  const path = join(dir, 'lock')
  // Twice at most: a stale lock is removed, then taken anew (another process may win that race).
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      // Created only if there is none, and written in the same call.
      writeFileSync(path, `${process.pid}\n`, { flag: 'wx' })
      return () => {
        if (holderOf(path) === process.pid) remove(path)
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    }
    const holder = holderOf(path)
    // A lock that names no process is being written by one at this moment: held, not stale.
    const held = holder === undefined ? existsSync(path) : holder !== process.pid && running(holder)
    if (held) throw new SpoolLockedError(dir, holder)
    remove(path)
  }
  throw new SpoolLockedError(dir, holderOf(path))
}
