/**
 * @module server/frame-pacer
 * When the dashboard sends a frame to the browsers (issue 16: p99 sensor → screen ≤ 50 ms). It follows the
 * mesh's adaptive-batching rule (libs/mesh `hop/linger-batches`): data that finds the pages' sockets idle
 * goes out promptly; data that finds them busy (a frame or snapshot written to some page and not yet
 * flushed, {@link FrameLink.busy}) lingers and goes out in one frame when they are idle again, or at the
 * latest `maxLingerMs` (`frameMs`) after it arrived. So at low rates a sample leaves at once, and under
 * load frames grow instead of multiplying. A slow page holds every page to its pace, as a frame is one
 * Buffer shared by all (server/sse-hub); that pace is never slower than one frame per `frameMs`, the old
 * fixed period.
 *
 * It does not reuse `createLinger`, for three reasons:
 * - The batch is the live state itself, bounded and decimated per sensor (server/live-sensors), and a frame
 *   is a cut of all of it. The linger keeps the items of each batch; here that would be a second copy of
 *   every sample, or tokens that stand for them.
 * - A lone item leaves the linger synchronously, as one message. A frame costs one serialisation of every
 *   sensor's new data, so "at once" here is the end of the burst: the first event-loop turn that adds
 *   nothing (`setImmediate`, checked again while data keeps coming, for at most `minGapMs`). The MQTT
 *   messages read together then leave in one frame, although the inbound hop hands them over in several
 *   turns (it yields every 8 batches, mesh `hop/inbound-drain`). A 0-ms `setTimeout` would wait for the
 *   next loop iteration's timers (at least 1 ms in Node) whether or not more data came.
 * - Frames need a minimum spacing, `minGapMs`, that the hop does not. On loopback or a LAN a page's socket
 *   flushes within a tick, so "idle" comes back at once and a flood (100 000 samples/s) would cut
 *   thousands of frames a second; the page draws at most once per animation frame (16.7 ms at 60 Hz), so
 *   frames closer than that only cost CPU on both ends.
 *
 * Time comes from `now` and the timers, so tests drive it with fake timers.
 */

/** What the pacer needs of the pages' sockets: the SSE hub. */
export interface FrameLink {
  /** Some page has bytes written but not yet flushed. */
  readonly busy: boolean
  /** Resolves when no page is busy. */
  sendable(): Promise<void>
}

/** Options of {@link createFramePacer}. */
export interface FramePacerOptions {
  /** Most time data waits for a busy link (ms): `frameMs`. */
  readonly maxLingerMs: number
  /** Least time between two frames while data keeps coming (ms); capped at `maxLingerMs`. */
  readonly minGapMs: number
}

/** What the pacer drives. */
export interface FramePacerDeps {
  readonly link: FrameLink
  /** Cuts a frame of everything that arrived and sends it to every page. */
  readonly send: () => void
  /** The clock (ms). */
  readonly now: () => number
}

/** Decides when frames go out. */
export interface FramePacer {
  /** New data entered the live state: a frame will carry it. O(1) once a frame is already planned. */
  dataArrived(): void
  /** Stops the timers; what is pending is not sent. */
  close(): void
}

/**
 * Creates the pacer.
 *
 * @example
 * ```ts
 * const pacer = createFramePacer(
 *   { maxLingerMs: 100, minGapMs: 16 },
 *   { link: hub, now: Date.now, send: () => hub.tick(live.takeFrame(Date.now())) },
 * )
 * pacer.dataArrived() // a frame follows at the end of this burst, or when the pages have caught up
 * ```
 */
export function createFramePacer(options: FramePacerOptions, deps: FramePacerDeps): FramePacer {
  const { link, send, now } = deps
  const maxLingerMs = Math.max(0, options.maxLingerMs)
  const minGapMs = Math.min(Math.max(0, options.minGapMs), maxLingerMs)
  /** When the oldest data not yet in a frame arrived; undefined when none is pending. */
  let pendingSince: number | undefined
  /** Data arrived since the end-of-turn check was scheduled. */
  let arrivedSinceCheck = false
  let lastSentAt = -Infinity
  let immediate: NodeJS.Immediate | undefined
  let timer: NodeJS.Timeout | undefined
  let awaitingLink = false
  let closed = false

  const sendFrame = (): void => {
    immediate = undefined
    arrivedSinceCheck = false
    if (timer !== undefined) clearTimeout(timer)
    timer = undefined
    pendingSince = undefined
    lastSentAt = now()
    send()
  }

  // The turn that scheduled this added data after it: wait one more turn, unless the data is minGapMs old.
  const sendAtEndOfBurst = (): void => {
    if (arrivedSinceCheck && pendingSince !== undefined && now() < pendingSince + minGapMs) {
      arrivedSinceCheck = false
      immediate = setImmediate(sendAtEndOfBurst)
      return
    }
    sendFrame()
  }

  const arm = (at: number): void => {
    if (timer !== undefined) clearTimeout(timer)
    timer = setTimeout(() => {
      timer = undefined
      plan()
    }, at - now())
  }

  const waitForLink = (): void => {
    if (awaitingLink) return
    awaitingLink = true
    void link.sendable().then(() => {
      awaitingLink = false
      plan()
    })
  }

  // Pending data goes out now when it has waited maxLingerMs, at the end of this turn when the link is
  // free and the last frame is minGapMs old; otherwise wake up when one of those can next become true.
  function plan(): void {
    if (pendingSince === undefined || closed || immediate !== undefined) return
    const t = now()
    const deadline = pendingSince + maxLingerMs
    const free = !link.busy
    const gapEnd = lastSentAt + minGapMs
    if (t >= deadline) {
      sendFrame()
      return
    }
    if (free && t >= gapEnd) {
      arrivedSinceCheck = false
      immediate = setImmediate(sendAtEndOfBurst)
      return
    }
    arm(free ? Math.min(gapEnd, deadline) : deadline)
    if (!free) waitForLink()
  }

  return {
    dataArrived() {
      if (pendingSince !== undefined || closed) {
        arrivedSinceCheck = true
        return
      }
      pendingSince = now()
      plan()
    },
    close() {
      closed = true
      if (timer !== undefined) clearTimeout(timer)
      if (immediate !== undefined) clearImmediate(immediate)
      timer = undefined
      immediate = undefined
    },
  }
}
