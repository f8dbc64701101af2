/**
 * @module sinks/file
 * The file sink: JSON Lines (one `{topic, kind, payload}` object a line) with size-based rotation
 * (`forward.jsonl` → `forward.jsonl.1` → … → `.keep`), so a long run never fills the disk. A batch goes in
 * whole or not at all: a write the disk cannot finish is cut back, so a retry never lands behind half a
 * line (issue 11).
 */
import {
  closeSync,
  existsSync,
  fstatSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs'
import { dirname, join } from 'node:path'
import { Type } from '@sinclair/typebox'
import { defineSink } from './define-sink.js'
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

/**
 * Appends `data` to the file at `path`, whose length is `size`, entirely or not at all: `write` may take
 * only part of it on a disk filling up, so it loops, and on a failure cuts the file back to `size`.
 */
function appendWhole(path: string, data: Buffer, size: number): void {
  const fd = openSync(path, 'a')
  try {
    // A cut that failed last time left a torn line: cut it before appending behind it.
    if (fstatSync(fd).size > size) ftruncateSync(fd, size)
    let done = 0
    while (done < data.length) done += writeSync(fd, data, done, data.length - done)
  } catch (err) {
    try {
      ftruncateSync(fd, size)
    } catch {
      // Cannot even cut: the next send cuts first.
    }
    throw err
  } finally {
    closeSync(fd)
  }
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
        appendWhole(o.path, Buffer.from(text, 'utf8'), size)
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

/** The file sink's declaration: its settings and its factory. */
export const fileSinkType = defineSink({
  type: 'file',
  summary: 'JSON Lines ({topic, kind, payload} a line), rotated by size.',
  settings: {
    path: Type.Optional(
      Type.String({ description: 'JSONL file (default <dataDir>/<name>.jsonl).' }),
    ),
    rotateBytes: Type.Integer({
      minimum: 1024,
      default: 16 * 1024 * 1024,
      description: 'Rotate when a write would make the file larger than this.',
    }),
    keep: Type.Integer({ minimum: 0, default: 5, description: 'Rotated files kept.' }),
  },
  create: (c, env) =>
    createFileSink({
      name: c.name,
      path: c.path ?? join(env.dataDir, `${c.name}.jsonl`),
      rotateBytes: c.rotateBytes,
      keep: c.keep,
    }),
})
