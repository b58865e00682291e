// Writes docs/rules.md from the rule catalogue (src/findings/rules.ts).
import {writeFileSync} from 'node:fs'
import {rulesMarkdown} from '../src/findings/rules-doc.js'

writeFileSync(new URL('../docs/rules.md', import.meta.url), rulesMarkdown())
console.log('docs/rules.md written')
