// Builds Breakthrough's front end into static/build/ (git-ignored):
//   app.css                   GOV.UK Frontend + our additions, compiled by the sass JS API
//   govuk-frontend.min.js     GOV.UK Frontend's ES module bundle (+ source map)
//   app.mjs                   our entry point, which imports the bundle and starts the components
//   filter.mjs                the directory's filters: folded on a phone, open beside the results
//   assets/manifest.json      web app manifest pointing at our own icon
//   fonts/DejaVuSans*.ttf     the font of the PDFs we make (npm dejavu-fonts-ttf), so no PDF depends on
//                             fonts installed on the machine or fetched from anywhere
// Run with `npm run build`. Nothing is fetched from the network.
//
// GOV.UK Frontend's images (favicons, app icons, crest, Open Graph image) all carry the crown,
// which only GOV.UK services may use, and its fonts are GDS Transport, so neither is copied.

import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import * as sass from 'sass'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const govuk = path.join(root, 'node_modules', 'govuk-frontend', 'dist', 'govuk')
const out = path.join(root, 'static', 'build')

if (!existsSync(govuk)) {
  console.error('node_modules/govuk-frontend is missing: run `npm ci` first.')
  process.exit(1)
}

await rm(out, { recursive: true, force: true })
await mkdir(path.join(out, 'assets'), { recursive: true })

// 1. Styles.
const result = await sass.compileAsync(path.join(root, 'frontend', 'scss', 'app.scss'), {
  style: 'compressed',
  loadPaths: [path.join(root, 'node_modules')],
  // GOV.UK Frontend 5 is written with @import and older Sass functions; its own deprecation
  // warnings are not ours to fix (quietDeps), and our entry point must @import it so that the
  // settings above reach it.
  quietDeps: true,
  silenceDeprecations: ['import'],
})
if (result.css.includes('GDS Transport')) {
  throw new Error('app.css mentions GDS Transport: check $govuk-font-family in app.scss.')
}
if (result.css.includes('govuk-crest')) {
  throw new Error('app.css refers to the crest: check app-image-url in app.scss.')
}
await writeFile(path.join(out, 'app.css'), result.css)

// 2. Scripts.
await copyFile(path.join(govuk, 'govuk-frontend.min.js'), path.join(out, 'govuk-frontend.min.js'))
if (existsSync(path.join(govuk, 'govuk-frontend.min.js.map'))) {
  await copyFile(path.join(govuk, 'govuk-frontend.min.js.map'), path.join(out, 'govuk-frontend.min.js.map'))
}
for (const name of ['app.mjs', 'filter.mjs', 'audit-progress.mjs']) {
  await copyFile(path.join(root, 'frontend', 'js', name), path.join(out, name))
}

// 3. Assets: our own manifest, in place of GOV.UK's (whose icons are the crown).
const manifest = {
  name: 'Breakthrough',
  short_name: 'Breakthrough',
  icons: [{ src: '../../images/favicon.svg', type: 'image/svg+xml', sizes: 'any', purpose: 'any' }],
}
await writeFile(path.join(out, 'assets', 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n')

// 4. The PDFs' font: DejaVu Sans, regular and bold (Bitstream Vera licence: free to copy and embed).
const dejavu = path.join(root, 'node_modules', 'dejavu-fonts-ttf', 'ttf')
await mkdir(path.join(out, 'fonts'), { recursive: true })
for (const name of ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf']) {
  await copyFile(path.join(dejavu, name), path.join(out, 'fonts', name))
}

const kb = (bytes) => `${Math.round(bytes / 1024)} kB`
console.log(`static/build/app.css ${kb(Buffer.byteLength(result.css))}, govuk-frontend.min.js, app.mjs, filter.mjs, audit-progress.mjs, assets/manifest.json, fonts/`)
