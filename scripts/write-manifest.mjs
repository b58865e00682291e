// Writes oclif.manifest.json beside package.json (run by `npm run build` and the test setup,
// after tsc). With it oclif finds a command's flags and file without importing every command
// module first: each run starts about a quarter of a second sooner. It describes dist/, so it
// is rebuilt with it; it is not committed.
import {rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {Config} from '@oclif/core'

// oclif points a manifest at the TypeScript sources when it thinks it runs in development (a test
// runner sets NODE_ENV=test); bin/run.js runs dist/, so describe dist/.
process.env.NODE_ENV = 'production'
const root = fileURLToPath(new URL('..', import.meta.url))
const path = join(root, 'oclif.manifest.json')
// A manifest left from an earlier build would be read back instead of the commands.
rmSync(path, {force: true})
const config = await Config.load(root)
const plugin = config.plugins.get(config.pjson.name)
const commands = Object.values(plugin?.manifest.commands ?? {})
if (commands.length === 0) throw new Error('write-manifest: no commands found in dist/commands (run tsc first)')
if (!commands.every((c) => c.relativePath?.[0] === 'dist')) throw new Error('write-manifest: the manifest would not point at dist/')
writeFileSync(path, `${JSON.stringify(plugin.manifest, null, 2)}\n`)
