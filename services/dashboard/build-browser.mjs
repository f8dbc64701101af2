// Builds the dashboard page into dist/public (or the directory given as the first argument):
// src/browser/main.ts bundled with uPlot by esbuild into app.js + app.css, and public/index.html copied.
// Plain JavaScript so that `pnpm build` and the integration test can run it without a TypeScript loader.
import { build } from 'esbuild'
import { copyFile, mkdir } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const outdir = resolve(process.argv[2] ?? join(here, 'dist/public'))

await mkdir(outdir, { recursive: true })
await build({
  entryPoints: { app: join(here, 'src/browser/main.ts') },
  bundle: true,
  format: 'esm',
  target: ['chrome109', 'firefox115', 'safari16'],
  minify: true,
  sourcemap: true,
  // Resolve workspace packages from their TypeScript sources, as the rest of the monorepo's tooling does.
  conditions: ['sluice-src'],
  outdir,
  logLevel: 'warning',
})
await copyFile(join(here, 'public/index.html'), join(outdir, 'index.html'))
console.log(`dashboard page built in ${outdir}`)
