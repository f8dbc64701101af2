/**
 * @module sinks/file
 * The file sink: JSON Lines (one `{topic, kind, payload}` object a line) with size-based rotation
 * (`forward.jsonl` → `forward.jsonl.1` → … → `.keep`), so a long run never fills the disk.
 */
import { appendFileSync, existsSync, mkdirSync, renameSync, statSync, unlinkSync } from 'node:fs'
import { dirname } from 'node:path'
import { encodeJsonItem, SinkSendError, type Sink } from './sink.js'

/** File sink settings. */
export interface FileSinkOptions {
  readonly name: string
  readonly path: string
  /** Rotate when the file would pass this many bytes. */
  readonly rotateBytes: number
  /** Rotated files kept. */
  readonly keep: number
}

/** Creates a JSONL file sink. */
export function createFileSink(o: FileSinkOptions): Sink {
  mkdirSync(dirname(o.path), { recursive: true })
  let size = existsSync(o.path) ? statSync(o.path).size : 0
  const rotate = (): void => {
    const last = `${o.path}.${o.keep}`
    if (existsSync(last)) unlinkSync(last)
    for (let i = o.keep - 1; i >= 1; i--) {
      if (existsSync(`${o.path}.${i}`)) renameSync(`${o.path}.${i}`, `${o.path}.${i + 1}`)
    }
    if (o.keep >= 1) renameSync(o.path, `${o.path}.1`)
    else unlinkSync(o.path)
    size = 0
  }
  return {
    name: o.name,
    type: 'file',
    encode: encodeJsonItem,
    send(records) {
      try {
        const text = records.join('\n') + '\n'
        const bytes = Buffer.byteLength(text)
        if (size > 0 && size + bytes > o.rotateBytes) rotate()
        appendFileSync(o.path, text)
        size += bytes
        return Promise.resolve()
      } catch (err) {
        // A full or read-only disk may clear; the records stay in the spool meanwhile.
        return Promise.reject(
          new SinkSendError(
            `cannot write ${o.path}: ${(err as Error).message}`,
            true,
            undefined,
            undefined,
            {
              cause: err,
            },
          ),
        )
      }
    },
    close: () => Promise.resolve(),
  }
}
