import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {rulesMarkdown} from '../../src/findings/rules-doc.js'
import {RULES} from '../../src/findings/rules.js'
import {ROOT} from '../helpers/paths.js'

describe('rule catalogue', () => {
  it('docs/rules.md is generated from the catalogue and current (npm run docs:rules)', () => {
    expect(readFileSync(join(ROOT, 'docs/rules.md'), 'utf8')).toBe(rulesMarkdown())
  })

  it('has unique, stable ids with rationale and remediation', () => {
    const ids = RULES.map((r) => r.id)
    expect(new Set(ids).size).toBe(ids.length)
    for (const r of RULES) {
      expect(r.id).toMatch(/^CA-(CALL|GEO|META|CRYPTO)-\d{3}$/)
      expect(r.rationale.length).toBeGreaterThan(40)
      expect(r.remediation.length).toBeGreaterThan(20)
    }
  })
})
