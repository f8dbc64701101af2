/**
 * @module containers
 * The Docker fallback for outside programs: when a program is not installed but a Docker engine is
 * reachable, a launcher runs the program's image with testcontainers instead. On this machine there is no
 * engine, so this path is only type-checked; it is kept small so it stays obviously right.
 */
import { GenericContainer, Wait } from 'testcontainers'

/** Options of {@link startContainer}. */
export interface StartContainerOptions {
  readonly image: string
  /** The port the program listens on inside the container. */
  readonly containerPort: number
  readonly command?: readonly string[]
  /** Files to copy in: `{ content, target }`. */
  readonly files?: readonly { readonly content: string; readonly target: string }[]
  /** Ready when this appears in the container log (default: the port answers). */
  readonly readyLog?: RegExp
}

/** A started container, reachable on the host. */
export interface RunningContainer {
  readonly host: string
  /** The host port mapped to `containerPort`. */
  readonly port: number
  stop(): Promise<void>
}

/**
 * Starts `image` and waits until it is ready.
 *
 * @example
 * ```ts
 * const c = await startContainer({ image: 'influxdb:1.8', containerPort: 8086 })
 * ```
 */
export async function startContainer(options: StartContainerOptions): Promise<RunningContainer> {
  let container = new GenericContainer(options.image).withExposedPorts(options.containerPort)
  if (options.command !== undefined) container = container.withCommand([...options.command])
  if (options.files !== undefined && options.files.length > 0) {
    container = container.withCopyContentToContainer(
      options.files.map((f) => ({ content: f.content, target: f.target })),
    )
  }
  container = container.withWaitStrategy(
    options.readyLog === undefined
      ? Wait.forListeningPorts()
      : Wait.forLogMessage(options.readyLog),
  )
  const started = await container.start()
  return {
    host: started.getHost(),
    port: started.getMappedPort(options.containerPort),
    async stop() {
      await started.stop()
    },
  }
}
