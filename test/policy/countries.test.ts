import {describe, expect, it} from 'vitest'
import {
  COUNTRIES,
  COUNTRY_GROUPS,
  CountryTokenError,
  countryName,
  describeToken,
  expandCountryList,
  isCountryCode,
  resolveCountryToken,
  splitCountryText,
  suggestCountryTokens,
} from '../../src/policy/countries.js'

describe('country table', () => {
  it('holds the 249 ISO 3166-1 codes plus XK, with English names', () => {
    expect(COUNTRIES.size).toBe(250)
    expect([...COUNTRIES.keys()]).toEqual([...COUNTRIES.keys()].sort())
    for (const [code, country] of COUNTRIES) {
      expect(code).toMatch(/^[A-Z]{2}$/)
      expect(country.alpha3).toMatch(/^[A-Z]{3}$/)
      expect(country.name.length).toBeGreaterThan(2)
    }
    expect(countryName('ID')).toBe('Indonesia')
    expect(countryName('gb')).toBe('United Kingdom')
    expect(countryName('XK')).toBe('Kosovo')
    expect(countryName('CD')).toBe('Democratic Republic of the Congo')
    expect(countryName('AX')).toBe('Åland Islands')
    expect(COUNTRIES.get('DE')!.alpha3).toBe('DEU')
    expect(isCountryCode('ss')).toBe(true) // South Sudan, 2011
    expect(isCountryCode('UK')).toBe(false) // an alias, not a code
    expect(isCountryCode('EU')).toBe(false)
    expect(isCountryCode('ZZ')).toBe(false)
  })
})

describe('groups', () => {
  const members = (id: string): readonly string[] => COUNTRY_GROUPS.get(id)!.members

  it('have the documented memberships, sorted, all known codes, each with a source', () => {
    expect(members('EU')).toEqual(['AT', 'BE', 'BG', 'CY', 'CZ', 'DE', 'DK', 'EE', 'ES', 'FI', 'FR', 'GR', 'HR', 'HU', 'IE', 'IT', 'LT', 'LU', 'LV', 'MT', 'NL', 'PL', 'PT', 'RO', 'SE', 'SI', 'SK'])
    expect(members('EEA')).toEqual([...members('EU'), 'IS', 'LI', 'NO'].sort())
    expect(members('EFTA')).toEqual(['CH', 'IS', 'LI', 'NO'])
    expect(members('FIVE_EYES')).toEqual(['AU', 'CA', 'GB', 'NZ', 'US'])
    expect(members('NINE_EYES')).toEqual(['AU', 'CA', 'DK', 'FR', 'GB', 'NL', 'NO', 'NZ', 'US'])
    expect(members('FOURTEEN_EYES')).toEqual(['AU', 'BE', 'CA', 'DE', 'DK', 'ES', 'FR', 'GB', 'IT', 'NL', 'NO', 'NZ', 'SE', 'US'])
    expect(members('NATO')).toHaveLength(32)
    expect(members('NATO')).toEqual(expect.arrayContaining(['FI', 'SE', 'TR', 'US', 'CA', 'AL', 'MK', 'ME']))
    expect(members('NATO')).not.toContain('AT')
    expect(members('NATO')).not.toContain('IE')
    expect(members('SCHENGEN')).toHaveLength(29)
    expect(members('SCHENGEN')).toEqual(expect.arrayContaining(['BG', 'RO', 'HR', 'CH', 'IS', 'LI', 'NO']))
    expect(members('SCHENGEN')).not.toContain('CY')
    expect(members('SCHENGEN')).not.toContain('IE')
    expect(members('G7')).toEqual(['CA', 'DE', 'FR', 'GB', 'IT', 'JP', 'US'])
    expect(members('EU')).not.toContain('GB')
    for (const group of COUNTRY_GROUPS.values()) {
      expect(group.members).toEqual([...new Set(group.members)].sort())
      for (const code of group.members) expect(COUNTRIES.has(code), `${group.id} ${code}`).toBe(true)
      expect(group.source.length).toBeGreaterThan(20)
      expect(group.asOf).toMatch(/^\d{4}-\d{2}$/)
    }
  })
})

describe('resolveCountryToken', () => {
  it('takes codes in any case and trims them', () => {
    expect(resolveCountryToken(' de ')).toEqual({kind: 'country', token: 'DE', codes: ['DE']})
    expect(resolveCountryToken('No')).toEqual({kind: 'country', token: 'NO', codes: ['NO']})
  })

  it('takes UK as GB and EL as GR, with a note', () => {
    const uk = resolveCountryToken('uk')
    expect(uk).toMatchObject({kind: 'country', token: 'GB', codes: ['GB']})
    expect(uk.kind === 'country' && uk.note).toBe('UK taken as GB, the ISO 3166-1 code of the United Kingdom')
    const el = resolveCountryToken('EL')
    expect(el).toMatchObject({kind: 'country', token: 'GR', codes: ['GR']})
    expect(el.kind === 'country' && el.note).toMatch(/^EL .* taken as GR/)
  })

  it('takes group names in any case and spelling, and aliases', () => {
    for (const spelling of ['FIVE_EYES', 'five_eyes', 'five-eyes', 'Five Eyes', 'fiveeyes', 'FVEY', '5-eyes']) {
      expect(resolveCountryToken(spelling), spelling).toEqual({kind: 'group', token: 'FIVE_EYES', codes: ['AU', 'CA', 'GB', 'NZ', 'US']})
    }
    expect(resolveCountryToken('eu')).toMatchObject({kind: 'group', token: 'EU'})
    expect(resolveCountryToken('g7')).toMatchObject({kind: 'group', token: 'G7'})
    expect(resolveCountryToken('14-eyes')).toMatchObject({kind: 'group', token: 'FOURTEEN_EYES'})
  })

  it('explains unknown tokens with close matches', () => {
    expect(resolveCountryToken('XX')).toEqual({kind: 'error', problem: 'unknown country "XX"', hint: 'did you mean XK?'})
    expect(resolveCountryToken('ED')).toEqual({kind: 'error', problem: 'unknown country "ED"', hint: 'did you mean DE?'})
    expect(resolveCountryToken('USA')).toEqual({kind: 'error', problem: 'unknown country or group "USA"', hint: 'did you mean US?'})
    expect(resolveCountryToken('deu')).toEqual({kind: 'error', problem: 'unknown country or group "deu"', hint: 'did you mean DE?'})
    expect(resolveCountryToken('Germany')).toEqual({kind: 'error', problem: 'unknown country or group "Germany"', hint: 'did you mean DE?'})
    expect(resolveCountryToken('schengan')).toEqual({kind: 'error', problem: 'unknown country or group "schengan"', hint: 'did you mean SCHENGEN?'})
    expect(resolveCountryToken('G8')).toEqual({kind: 'error', problem: 'unknown country or group "G8"', hint: 'did you mean G7?'})
    expect(resolveCountryToken('ZZ')).toEqual({kind: 'error', problem: 'unknown country "ZZ"', hint: 'did you mean ZA, ZM or ZW?'})
  })

  it('gives no suggestion rather than a long arbitrary one', () => {
    // D? has six codes (DE DJ DK DM DO DZ): none is a better guess than another.
    expect(resolveCountryToken('DR')).toEqual({kind: 'error', problem: 'unknown country "DR"'})
    expect(resolveCountryToken('12')).toEqual({kind: 'error', problem: 'unknown country or group "12"'})
    expect(suggestCountryTokens('QQ')).toEqual(['QA'])
    expect(suggestCountryTokens('1')).toEqual([])
  })

  it('names the successors of withdrawn codes', () => {
    expect(resolveCountryToken('su')).toEqual({
      kind: 'error',
      problem: 'withdrawn country code "su"',
      hint: 'Soviet Union until 1992; use the successor states\' codes such as RU, UA, BY',
    })
    expect(resolveCountryToken('YU')).toMatchObject({kind: 'error', hint: 'Yugoslavia until 2003; use RS, ME, BA, HR, MK, SI'})
  })

  it('refuses exclusions and says what to do instead (also for groups)', () => {
    expect(resolveCountryToken('-HU')).toEqual({kind: 'error', problem: 'unsupported exclusion "-HU"', hint: 'put HU in deny instead'})
    expect(resolveCountryToken('-EU')).toMatchObject({kind: 'error', problem: 'unsupported exclusion "-EU"'})
  })
})

describe('expandCountryList', () => {
  it('expands groups, sorts and de-duplicates codes, keeps the spec in order', () => {
    const list = expandCountryList(['EU', 'ch', 'DE', 'uk', '', 'GB'])
    expect(list.codes).toEqual([...COUNTRY_GROUPS.get('EU')!.members, 'CH', 'GB'].sort())
    expect(list.codes).toHaveLength(29)
    expect(list.spec).toEqual(['EU', 'CH', 'DE', 'GB'])
    expect(list.notes).toEqual(['UK taken as GB, the ISO 3166-1 code of the United Kingdom'])
  })

  it('is deterministic whatever the order of the tokens', () => {
    expect(expandCountryList(['US', 'EU', 'CH']).codes).toEqual(expandCountryList(['CH', 'US', 'EU']).codes)
  })

  it('throws naming the index of the first bad token', () => {
    let caught: unknown
    try {
      expandCountryList(['DE', 'XX', 'YY'])
    } catch (error) {
      caught = error
    }
    expect(caught).toBeInstanceOf(CountryTokenError)
    const error = caught as CountryTokenError
    expect(error.index).toBe(1)
    expect(error.describe('deny')).toBe('unknown country "XX" in deny (did you mean XK?)')
    expect(expandCountryList([]).codes).toEqual([])
  })

  it('splits comma-separated text, dropping empty items', () => {
    expect(splitCountryText(' EU, CH,,DE, ')).toEqual(['EU', 'CH', 'DE'])
    expect(splitCountryText('')).toEqual([])
  })

  it('describes tokens for reports', () => {
    expect(describeToken('EU')).toBe('EU (27 countries)')
    expect(describeToken('DE')).toBe('DE (Germany)')
  })
})
