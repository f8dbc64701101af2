/**
 * @module server/frame-output
 * How the dashboard's frames reach the pages: paced by the data and the pages (`framePacing` adaptive,
 * server/frame-pacer, issue 16), or one every `frameMs` (fixed: the behaviour before issue 16, pages or
 * not). Adaptive, the pacer hears of data only while a page is connected, so with none a sample costs no
 * frame work; what arrived meanwhile is in no frame, so it is cut and dropped (the snapshot has it), with
 * the cached snapshot, before a page starts or /api/state answers, and once a second (forgetting quiet
 * sensors then).
 */
import type { DashboardConfig } from '../config.js'
import { createFramePacer } from './frame-pacer.js'
import type { LiveState } from './live-state.js'
import type { SseHub } from './sse-hub.js'

/**
 * Least time between two frames while data keeps coming (ms): one display frame at 60 Hz. The page draws
 * on animation frames, so frames closer than this reach the screen together anyway; it caps a flood at
 * ~60 frames/s per page, and adds at most 16 ms to a sample that arrives just after a frame.
 */
const MIN_FRAME_GAP_MS = 16
/** With no page connected, how often what arrived is cut and dropped (quiet sensors are forgotten then). */
const SWEEP_WITHOUT_PAGES_MS = 1000

/** The settings it follows (the dashboard's config). */
export type FrameOutputConfig = Pick<DashboardConfig, 'framePacing' | 'frameMs'>

/** What it drives. */
export interface FrameOutputDeps {
  readonly hub: Pick<SseHub, 'clients' | 'busy' | 'sendable' | 'tick'>
  readonly live: Pick<LiveState, 'takeFrame'>
  readonly now: () => number
}

/** How frames reach the pages. */
export interface FrameOutput {
  /** Something entered the live state. */
  dataArrived(): void
  /** A page is about to get the snapshot, or /api/state to return it. */
  beforeSnapshot(): void
  start(): void
  stop(): void
}

/**
 * Creates the frame output; `start` arms its timer.
 *
 * @example
 * ```ts
 * const output = createFrameOutput({ framePacing: 'adaptive', frameMs: 100 }, { hub, live, now: Date.now })
 * output.start()
 * output.dataArrived() // from the live state's onChange
 * ```
 */
export function createFrameOutput(config: FrameOutputConfig, deps: FrameOutputDeps): FrameOutput {
  const { hub, live, now } = deps
  const sendFrame = (): void => {
    hub.tick(live.takeFrame(now()))
  }
  const pacer =
    config.framePacing === 'adaptive'
      ? createFramePacer(
          { maxLingerMs: config.frameMs, minGapMs: MIN_FRAME_GAP_MS },
          { link: hub, now, send: sendFrame },
        )
      : undefined
  let unswept = false
  const sweepWithoutPages = (): void => {
    if (pacer === undefined || hub.clients > 0 || !unswept) return
    unswept = false
    sendFrame()
  }
  let timer: NodeJS.Timeout | undefined
  return {
    dataArrived() {
      if (hub.clients > 0) pacer?.dataArrived()
      else unswept = true
    },
    beforeSnapshot: sweepWithoutPages,
    start() {
      timer =
        pacer === undefined
          ? setInterval(sendFrame, config.frameMs)
          : setInterval(sweepWithoutPages, SWEEP_WITHOUT_PAGES_MS)
    },
    stop() {
      clearInterval(timer)
      pacer?.close()
    },
  }
}
