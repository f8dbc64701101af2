/**
 * @module sources/replay-source
 * A CSV recording as a source (DESIGN.md §10): rows are sent at their recorded pace divided by a speed
 * factor, or as fast as the outbound queue takes them (speed 0). At full speed the replay waits whenever the
 * outbound queue is over half full, so a replay loses nothing to backpressure. Rows out of time order are
 * sent as soon as they are reached. The accepted layouts are described in `replay/replay-csv.ts`.
 */
import { readFile } from 'node:fs/promises'
import { ReplayFileError } from '../errors.js'
import { silentLogger, type BridgeLogger } from '../logger.js'
import { parseReplayCsv, replayDueTime, type ReplayData } from '../replay/replay-csv.js'
import { rowsThatFit, type BridgeSource, type RateOutcome, type SourceSink } from './source.js'
import { epochMs, toIdentifier } from '@sluice/contract'

/** Options of {@link createReplaySource}. */
export interface ReplaySourceOptions {
  readonly device: string
  readonly file: string
  /** Channel names; default: the file's value columns. */
  readonly channels?: readonly string[]
  /** Value columns not replayed (a recording's labels, say). */
  readonly skipColumns?: readonly string[]
  /** Pace factor; 0 = as fast as possible. */
  readonly speed: number
  /** Event time: the recorded one, or the wall clock at replay. */
  readonly time: 'recorded' | 'wall'
  readonly loop: boolean
  readonly logger?: BridgeLogger
  readonly now?: () => number
}

/** A replay source; `done` resolves when the file has been sent (never, with `loop`). */
export interface ReplaySource extends BridgeSource {
  readonly done: Promise<void>
  /** Rows sent so far. */
  readonly sent: number
}

const CHUNK = 500

/**
 * Channel names from a header's value columns: each made a valid id (`Volume Flow RateRMS` →
 * `volume-flow-raterms`), or `v<n>` when nothing is left of it or another column took the name.
 */
export function channelsFromColumns(columns: readonly string[]): string[] {
  const seen = new Set<string>()
  return columns.map((column, i) => {
    const id = toIdentifier(column)
    const name = id !== '' && !seen.has(id) ? id : `v${i + 1}`
    seen.add(name)
    return name
  })
}

/**
 * Reads and parses the replay file, resolves the channel names (the file's value columns unless
 * configured) and logs what will be replayed.
 *
 * @throws ReplayFileError when the file cannot be read or parsed, or has another number of value columns
 *   than channels configured.
 */
async function loadReplay(
  options: ReplaySourceOptions,
  log: BridgeLogger,
): Promise<{ data: ReplayData; channels: readonly string[] }> {
  let text: string
  try {
    text = await readFile(options.file, 'utf8')
  } catch (err) {
    throw new ReplayFileError(
      options.file,
      `Cannot read replay file ${options.file}: ${(err as Error).message}. Check --replay.file.`,
      { cause: err },
    )
  }
  const data = parseReplayCsv(text, options.file, {
    ...(options.skipColumns ? { skipColumns: options.skipColumns } : {}),
  })
  let channels = options.channels ?? []
  if (options.channels === undefined || options.channels.length === 0) {
    channels = channelsFromColumns(data.valueColumns)
  } else if (options.channels.length !== data.valueColumns.length) {
    throw new ReplayFileError(
      options.file,
      `${options.file} has ${data.valueColumns.length} value column(s) (${data.valueColumns.join(', ')}) ` +
        `but ${options.channels.length} channel(s) are configured (${options.channels.join(', ')}).`,
    )
  }
  if (data.skipped > 0) {
    log.warn(
      { file: options.file, skipped: data.skipped, problems: data.problems },
      `Replay file ${options.file}: skipped ${data.skipped} unusable row(s), e.g. ${data.problems[0] ?? ''}`,
    )
  }
  log.info(
    {
      file: options.file,
      rows: data.records.length,
      format: data.format,
      channels,
      speed: options.speed,
    },
    `Replaying ${data.records.length} rows of ${options.file} ` +
      (options.speed === 0 ? 'as fast as possible' : `at ${options.speed}× the recorded pace`),
  )
  return { data, channels }
}

/**
 * Creates a replay source.
 *
 * @example
 * ```ts
 * const replay = createReplaySource({ device: 'machine-temp', file: 'nab.csv', speed: 0, time: 'recorded',
 *   loop: false })
 * await replay.start(sink)
 * await replay.done
 * ```
 */
export function createReplaySource(options: ReplaySourceOptions): ReplaySource {
  const log = options.logger ?? silentLogger
  const now = options.now ?? epochMs
  let channels: readonly string[] = options.channels ?? []
  let stopped = false
  let running = false
  let sent = 0
  let wake: (() => void) | undefined
  let timer: NodeJS.Timeout | undefined
  let finish: () => void = () => undefined
  const done = new Promise<void>((resolve) => (finish = resolve))

  const sleep = (ms: number): Promise<void> =>
    new Promise<void>((resolve) => {
      wake = resolve
      timer = setTimeout(resolve, ms)
    })

  const run = async (data: ReplayData, sink: SourceSink): Promise<void> => {
    const records = data.records
    const first = records[0]!
    const last = records[records.length - 1]!
    // One loop lasts the recording's span plus one typical interval, so that the next loop's first row
    // does not land on the last row's time.
    const step = records.length > 1 ? (last.t - first.t) / (records.length - 1) : 1000
    const span = last.t - first.t + step
    // A loop, not Math.max(...seqs): spreading a million rows as arguments overflows the stack.
    let maxSeq = first.seq
    for (const r of records) if (r.seq > maxSeq) maxSeq = r.seq
    const seqSpan = maxSeq - first.seq + 1
    const speed = options.speed === 0 ? Infinity : options.speed
    const started = now()
    const width = first.values.length
    // Rows that may go before the next look at the outbound queue: a chunk, or fewer when the queue has
    // less room than that (500 rows of 20 columns are 10 000 samples).
    let budget = Math.min(CHUNK, rowsThatFit(sink, width))
    for (let round = 0; !stopped; round++) {
      const tOffset = round * span
      const seqOffset = round * seqSpan
      const clock = { firstT: first.t, startWall: started + (round * span) / speed, speed }
      let maxT = -Infinity
      for (let i = 0; i < records.length && !stopped; i++) {
        const r = records[i]!
        if (r.t > maxT) maxT = r.t
        if (speed === Infinity) {
          // Let I/O run, and wait while the outbound queue is over half full or has no room for a row.
          while (budget === 0 && !stopped) {
            await sleep(sink.congestion() > 0.5 ? 5 : 0)
            budget = sink.congestion() > 0.5 ? 0 : Math.min(CHUNK, rowsThatFit(sink, width))
          }
          if (stopped) break
          budget--
        } else {
          const due = replayDueTime(clock, maxT)
          const wait = due - now()
          if (wait > 1) await sleep(wait)
          if (stopped) break
        }
        const ingest = now()
        sink.reading({
          device: options.device,
          seq: r.seq + seqOffset,
          t: options.time === 'wall' ? ingest : r.t + tOffset,
          values: r.values,
          ingest,
        })
        sent++
      }
      if (!options.loop) break
    }
  }

  return {
    get channels() {
      return channels
    },
    get sent() {
      return sent
    },
    done,
    async start(sink) {
      const { data, channels: names } = await loadReplay(options, log)
      channels = names
      const t0 = now()
      running = true
      run(data, sink).then(
        () => {
          if (!stopped) {
            log.info(
              { file: options.file, sent, seconds: (now() - t0) / 1000 },
              `Replay of ${options.file} finished: ${sent} rows in ${((now() - t0) / 1000).toFixed(1)} s`,
            )
          }
          finish()
        },
        (err: unknown) => {
          log.error({ err, file: options.file }, `Replay of ${options.file} failed`)
          finish()
        },
      )
    },
    stop() {
      stopped = true
      if (timer) clearTimeout(timer)
      wake?.()
      return running ? done : Promise.resolve()
    },
    setRate(): RateOutcome {
      return 'unsupported'
    },
  }
}
