import {execFileSync} from 'node:child_process'
import {cpSync} from 'node:fs'
import {dirname, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'

/** CLI tests run the compiled commands through bin/run.js: compile the current sources first,
 * so a test never passes against a stale dist/. */
export default function setup(): void {
  // For quick local iterations on one suite when dist/ is known to be fresh.
  if (process.env.CALLAUDIT_SKIP_BUILD === '1') return
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
  execFileSync(process.execPath, [resolve(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], {cwd: root, stdio: 'inherit'})
  // The CLI reads the signature file beside its compiled module (dist/src/apps), which tsc does
  // not copy: copied here as `npm run build` does, so CLI tests never use a stale one.
  cpSync(resolve(root, 'src/apps/signatures.json'), resolve(root, 'dist/src/apps/signatures.json'))
  // oclif reads the commands' flags from the manifest: rebuilt with dist/ so it never lags.
  execFileSync(process.execPath, [resolve(root, 'scripts/write-manifest.mjs')], {cwd: root, stdio: 'inherit'})
}
