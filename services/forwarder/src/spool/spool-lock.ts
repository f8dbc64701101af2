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
 * The lock uses `node:fs` itself, not the spool's injectable file operations: it is about processes, not
 * about the disk a test makes fail.
 */
import { linkSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs'
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

/** Creates the lock at `path` with this process's id in it; false if a lock is there already. */
function take(mine: string, path: string): boolean {
  const exists = (err: unknown): boolean => (err as NodeJS.ErrnoException).code === 'EEXIST'
  try {
    linkSync(mine, path)
    return true
  } catch (err) {
    if (exists(err)) return false
  }
  // No hard links on this file system (FAT, exFAT): created and written in one call instead.
  try {
    writeFileSync(path, `${process.pid}\n`, { flag: 'wx' })
    return true
  } catch (err) {
    if (exists(err)) return false
    throw err
  }
}

/**
 * Takes the spool directory `dir` for this process, or throws {@link SpoolLockedError} when another
 * running process holds it. Returns the function that gives it back (at close).
 *
 * The lock appears with its process id already in it: written to a file of this process's own, then
 * hard-linked as `lock`, which fails if a `lock` exists. Created empty and written after, a second process
 * could read it in between, take it for a stale lock and remove it.
 */
export function lockSpool(dir: string): () => void {
  const path = join(dir, 'lock')
  const mine = join(dir, `lock.${process.pid}`)
  writeFileSync(mine, `${process.pid}\n`)
  try {
    // Twice at most: a stale lock is removed, then taken anew (another process may win that race).
    for (let attempt = 0; attempt < 2; attempt++) {
      if (take(mine, path))
        return () => {
          if (holderOf(path) === process.pid) remove(path)
        }
      const holder = holderOf(path)
      if (holder !== undefined && holder !== process.pid && running(holder))
        throw new SpoolLockedError(dir, holder)
      remove(path)
    }
    throw new SpoolLockedError(dir, holderOf(path))
  } finally {
    remove(mine)
  }
}
