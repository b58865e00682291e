/**
 * Country data for policies: ISO 3166-1 alpha-2 codes with English names, the groups a policy
 * can name (EU, EEA, FIVE_EYES, NATO, ...), and the resolution of what a user types (case-
 * insensitive codes, group names, the UK and EL aliases) into sorted country codes, with
 * suggestions when a token is unknown.
 *
 * The table was generated from Debian's iso-codes 4.15.0 (iso_3166-1.json: 249 codes, usual
 * English short names, a few shortened such as "Russia", "Vatican City") plus XK, the
 * user-assigned code for Kosovo that the EU and MaxMind databases use. No runtime data files.
 */
import {editDistance} from '../util/edit-distance.js'

/** `CODE ALPHA3 Name`, one country a line, sorted by code. */
const TABLE = `
AD AND Andorra
AE ARE United Arab Emirates
AF AFG Afghanistan
AG ATG Antigua and Barbuda
AI AIA Anguilla
AL ALB Albania
AM ARM Armenia
AO AGO Angola
AQ ATA Antarctica
AR ARG Argentina
AS ASM American Samoa
AT AUT Austria
AU AUS Australia
AW ABW Aruba
AX ALA Åland Islands
AZ AZE Azerbaijan
BA BIH Bosnia and Herzegovina
BB BRB Barbados
BD BGD Bangladesh
BE BEL Belgium
BF BFA Burkina Faso
BG BGR Bulgaria
BH BHR Bahrain
BI BDI Burundi
BJ BEN Benin
BL BLM Saint Barthélemy
BM BMU Bermuda
BN BRN Brunei
BO BOL Bolivia
BQ BES Bonaire, Sint Eustatius and Saba
BR BRA Brazil
BS BHS Bahamas
BT BTN Bhutan
BV BVT Bouvet Island
BW BWA Botswana
BY BLR Belarus
BZ BLZ Belize
CA CAN Canada
CC CCK Cocos (Keeling) Islands
CD COD Democratic Republic of the Congo
CF CAF Central African Republic
CG COG Republic of the Congo
CH CHE Switzerland
CI CIV Côte d'Ivoire
CK COK Cook Islands
CL CHL Chile
CM CMR Cameroon
CN CHN China
CO COL Colombia
CR CRI Costa Rica
CU CUB Cuba
CV CPV Cape Verde
CW CUW Curaçao
CX CXR Christmas Island
CY CYP Cyprus
CZ CZE Czechia
DE DEU Germany
DJ DJI Djibouti
DK DNK Denmark
DM DMA Dominica
DO DOM Dominican Republic
DZ DZA Algeria
EC ECU Ecuador
EE EST Estonia
EG EGY Egypt
EH ESH Western Sahara
ER ERI Eritrea
ES ESP Spain
ET ETH Ethiopia
FI FIN Finland
FJ FJI Fiji
FK FLK Falkland Islands
FM FSM Micronesia
FO FRO Faroe Islands
FR FRA France
GA GAB Gabon
GB GBR United Kingdom
GD GRD Grenada
GE GEO Georgia
GF GUF French Guiana
GG GGY Guernsey
GH GHA Ghana
GI GIB Gibraltar
GL GRL Greenland
GM GMB Gambia
GN GIN Guinea
GP GLP Guadeloupe
GQ GNQ Equatorial Guinea
GR GRC Greece
GS SGS South Georgia and the South Sandwich Islands
GT GTM Guatemala
GU GUM Guam
GW GNB Guinea-Bissau
GY GUY Guyana
HK HKG Hong Kong
HM HMD Heard Island and McDonald Islands
HN HND Honduras
HR HRV Croatia
HT HTI Haiti
HU HUN Hungary
ID IDN Indonesia
IE IRL Ireland
IL ISR Israel
IM IMN Isle of Man
IN IND India
IO IOT British Indian Ocean Territory
IQ IRQ Iraq
IR IRN Iran
IS ISL Iceland
IT ITA Italy
JE JEY Jersey
JM JAM Jamaica
JO JOR Jordan
JP JPN Japan
KE KEN Kenya
KG KGZ Kyrgyzstan
KH KHM Cambodia
KI KIR Kiribati
KM COM Comoros
KN KNA Saint Kitts and Nevis
KP PRK North Korea
KR KOR South Korea
KW KWT Kuwait
KY CYM Cayman Islands
KZ KAZ Kazakhstan
LA LAO Laos
LB LBN Lebanon
LC LCA Saint Lucia
LI LIE Liechtenstein
LK LKA Sri Lanka
LR LBR Liberia
LS LSO Lesotho
LT LTU Lithuania
LU LUX Luxembourg
LV LVA Latvia
LY LBY Libya
MA MAR Morocco
MC MCO Monaco
MD MDA Moldova
ME MNE Montenegro
MF MAF Saint Martin (French part)
MG MDG Madagascar
MH MHL Marshall Islands
MK MKD North Macedonia
ML MLI Mali
MM MMR Myanmar
MN MNG Mongolia
MO MAC Macao
MP MNP Northern Mariana Islands
MQ MTQ Martinique
MR MRT Mauritania
MS MSR Montserrat
MT MLT Malta
MU MUS Mauritius
MV MDV Maldives
MW MWI Malawi
MX MEX Mexico
MY MYS Malaysia
MZ MOZ Mozambique
NA NAM Namibia
NC NCL New Caledonia
NE NER Niger
NF NFK Norfolk Island
NG NGA Nigeria
NI NIC Nicaragua
NL NLD Netherlands
NO NOR Norway
NP NPL Nepal
NR NRU Nauru
NU NIU Niue
NZ NZL New Zealand
OM OMN Oman
PA PAN Panama
PE PER Peru
PF PYF French Polynesia
PG PNG Papua New Guinea
PH PHL Philippines
PK PAK Pakistan
PL POL Poland
PM SPM Saint Pierre and Miquelon
PN PCN Pitcairn
PR PRI Puerto Rico
PS PSE Palestine
PT PRT Portugal
PW PLW Palau
PY PRY Paraguay
QA QAT Qatar
RE REU Réunion
RO ROU Romania
RS SRB Serbia
RU RUS Russia
RW RWA Rwanda
SA SAU Saudi Arabia
SB SLB Solomon Islands
SC SYC Seychelles
SD SDN Sudan
SE SWE Sweden
SG SGP Singapore
SH SHN Saint Helena, Ascension and Tristan da Cunha
SI SVN Slovenia
SJ SJM Svalbard and Jan Mayen
SK SVK Slovakia
SL SLE Sierra Leone
SM SMR San Marino
SN SEN Senegal
SO SOM Somalia
SR SUR Suriname
SS SSD South Sudan
ST STP Sao Tome and Principe
SV SLV El Salvador
SX SXM Sint Maarten (Dutch part)
SY SYR Syria
SZ SWZ Eswatini
TC TCA Turks and Caicos Islands
TD TCD Chad
TF ATF French Southern Territories
TG TGO Togo
TH THA Thailand
TJ TJK Tajikistan
TK TKL Tokelau
TL TLS Timor-Leste
TM TKM Turkmenistan
TN TUN Tunisia
TO TON Tonga
TR TUR Türkiye
TT TTO Trinidad and Tobago
TV TUV Tuvalu
TW TWN Taiwan
TZ TZA Tanzania
UA UKR Ukraine
UG UGA Uganda
UM UMI United States Minor Outlying Islands
US USA United States
UY URY Uruguay
UZ UZB Uzbekistan
VA VAT Vatican City
VC VCT Saint Vincent and the Grenadines
VE VEN Venezuela
VG VGB British Virgin Islands
VI VIR U.S. Virgin Islands
VN VNM Vietnam
VU VUT Vanuatu
WF WLF Wallis and Futuna
WS WSM Samoa
XK XKX Kosovo
YE YEM Yemen
YT MYT Mayotte
ZA ZAF South Africa
ZM ZMB Zambia
ZW ZWE Zimbabwe`

export interface Country {
  /** ISO 3166-1 alpha-2, upper case. */
  code: string
  /** ISO 3166-1 alpha-3 (used only to suggest the alpha-2 code when someone types USA or DEU). */
  alpha3: string
  name: string
}

function parseTable(table: string): Map<string, Country> {
  const map = new Map<string, Country>()
  for (const line of table.trim().split('\n')) {
    const code = line.slice(0, 2)
    map.set(code, {code, alpha3: line.slice(3, 6), name: line.slice(7)})
  }
  return map
}

/** Every known country by alpha-2 code: the 249 ISO 3166-1 codes and XK (Kosovo). */
export const COUNTRIES: ReadonlyMap<string, Country> = parseTable(TABLE)

/** Codes that are not ISO 3166-1 assignments but that databases and the EU use. */
export const USER_ASSIGNED_CODES: readonly string[] = ['XK']

export function isCountryCode(code: string): boolean {
  return COUNTRIES.has(code.toUpperCase())
}

export function countryName(code: string): string | undefined {
  return COUNTRIES.get(code.toUpperCase())?.name
}

/** Non-ISO spellings accepted for a country, each with the note the policy repeats. */
export const COUNTRY_ALIASES: ReadonlyMap<string, {code: string; note: string}> = new Map([
  ['UK', {code: 'GB', note: 'UK taken as GB, the ISO 3166-1 code of the United Kingdom'}],
  ['EL', {code: 'GR', note: 'EL (the EU\'s code for Greece) taken as GR, its ISO 3166-1 code'}],
])

/** Withdrawn codes someone may still type, with what replaced them (error hints only). */
const WITHDRAWN: ReadonlyMap<string, string> = new Map([
  ['AN', 'Netherlands Antilles until 2010; use BQ, CW, SX'],
  ['BU', 'Burma until 1989; use MM'],
  ['CS', 'Serbia and Montenegro until 2006 (Czechoslovakia before 1993); use RS, ME (CZ, SK)'],
  ['DD', 'German Democratic Republic until 1990; use DE'],
  ['FX', 'Metropolitan France until 1997; use FR'],
  ['SU', 'Soviet Union until 1992; use the successor states\' codes such as RU, UA, BY'],
  ['TP', 'East Timor until 2002; use TL'],
  ['YU', 'Yugoslavia until 2003; use RS, ME, BA, HR, MK, SI'],
  ['ZR', 'Zaire until 1997; use CD'],
])

export interface CountryGroup {
  /** Upper-case name used in policies, e.g. `FIVE_EYES`. */
  id: string
  name: string
  /** Sorted alpha-2 codes. */
  members: readonly string[]
  /** When the membership was last checked against the source. */
  asOf: string
  /** Where the membership comes from, and what it leaves out. */
  source: string
}

const EU = ['AT', 'BE', 'BG', 'CY', 'CZ', 'DE', 'DK', 'EE', 'ES', 'FI', 'FR', 'GR', 'HR', 'HU', 'IE', 'IT', 'LT', 'LU', 'LV', 'MT', 'NL', 'PL', 'PT', 'RO', 'SE', 'SI', 'SK']
const FIVE_EYES = ['AU', 'CA', 'GB', 'NZ', 'US']
const NINE_EYES = [...FIVE_EYES, 'DK', 'FR', 'NL', 'NO']

function group(id: string, name: string, members: string[], asOf: string, source: string): CountryGroup {
  return {id, name, members: [...new Set(members)].sort(), asOf, source}
}

/** The groups a policy can name, by id. */
export const COUNTRY_GROUPS: ReadonlyMap<string, CountryGroup> = new Map(
  [
    group('EU', 'European Union', EU, '2026-01',
      'European Union member states (european-union.europa.eu, "EU countries"); 27 since the United Kingdom left on 2020-02-01. Member states only: outermost regions and Åland, which have their own codes (GF, GP, MQ, RE, YT, MF, AX), are not included; add them to allow if needed.'),
    group('EEA', 'European Economic Area', [...EU, 'IS', 'LI', 'NO'], '2026-01',
      'EEA Agreement (efta.int, "EEA Agreement"): the EU member states plus Iceland, Liechtenstein and Norway.'),
    group('EFTA', 'European Free Trade Association', ['CH', 'IS', 'LI', 'NO'], '2026-01',
      'EFTA Convention (efta.int, "EFTA member states").'),
    group('FIVE_EYES', 'Five Eyes', FIVE_EYES, '2026-01',
      'UKUSA Agreement signals-intelligence alliance: Australia, Canada, New Zealand, the United Kingdom and the United States.'),
    group('NINE_EYES', 'Nine Eyes', NINE_EYES, '2026-01',
      'Five Eyes plus Denmark, France, the Netherlands and Norway, as described in the 2013 press reporting on the Snowden documents; an informal arrangement, not a published treaty.'),
    group('FOURTEEN_EYES', 'Fourteen Eyes (SIGINT Seniors Europe)', [...NINE_EYES, 'BE', 'DE', 'ES', 'IT', 'SE'], '2026-01',
      'Nine Eyes plus Belgium, Germany, Italy, Spain and Sweden (SIGINT Seniors Europe, SSEUR), as described in the 2013 press reporting on the Snowden documents; informal.'),
    group('NATO', 'North Atlantic Treaty Organization',
      ['AL', 'BE', 'BG', 'CA', 'CZ', 'DE', 'DK', 'EE', 'ES', 'FI', 'FR', 'GB', 'GR', 'HR', 'HU', 'IS', 'IT', 'LT', 'LU', 'LV', 'ME', 'MK', 'NL', 'NO', 'PL', 'PT', 'RO', 'SE', 'SI', 'SK', 'TR', 'US'],
      '2026-01', 'NATO member countries (nato.int, "NATO member countries"): 32 since Sweden joined on 2024-03-07.'),
    group('SCHENGEN', 'Schengen Area',
      [...EU.filter((c) => c !== 'CY' && c !== 'IE'), 'CH', 'IS', 'LI', 'NO'], '2026-01',
      'Schengen Area (home-affairs.ec.europa.eu, "Schengen Area"): 29 countries since Bulgaria and Romania became full members on 2025-01-01; Cyprus and Ireland are EU members outside it.'),
    group('G7', 'Group of Seven', ['CA', 'DE', 'FR', 'GB', 'IT', 'JP', 'US'], '2026-01',
      'G7 member countries; the European Union takes part as a non-enumerated member and is not included (name EU as well if needed).'),
  ].map((g) => [g.id, g]),
)

/** Other spellings of group names (compared after removing `_`, `-` and spaces). */
const GROUP_ALIASES: ReadonlyMap<string, string> = new Map([
  ['FVEY', 'FIVE_EYES'],
  ['5EYES', 'FIVE_EYES'],
  ['9EYES', 'NINE_EYES'],
  ['14EYES', 'FOURTEEN_EYES'],
  ['SSEUR', 'FOURTEEN_EYES'],
])

const GROUP_BY_KEY: ReadonlyMap<string, CountryGroup> = new Map([
  ...[...COUNTRY_GROUPS.values()].map((g) => [groupKey(g.id), g] as const),
  ...[...GROUP_ALIASES].map(([alias, id]) => [alias, COUNTRY_GROUPS.get(id)!] as const),
])

function groupKey(text: string): string {
  return text.toUpperCase().replace(/[\s_-]+/g, '')
}

export type TokenResolution =
  | {kind: 'country'; token: string; codes: string[]; note?: string}
  | {kind: 'group'; token: string; codes: string[]}
  | {kind: 'error'; problem: string; hint?: string}

/**
 * One token of a country list: a code (any case), an alias (UK, EL) or a group name (any case,
 * `-`/`_`/space ignored: `five-eyes`). `token` is the canonical spelling (GB, FIVE_EYES).
 * Errors carry the problem (`unknown country "XX"`) and a hint (`did you mean XK?`) for the
 * caller to place (`... in deny (did you mean XK?)`).
 */
export function resolveCountryToken(raw: string): TokenResolution {
  const text = raw.trim()
  const upper = text.toUpperCase()
  if (/^[A-Z]{2}$/.test(upper)) {
    const grouped = COUNTRY_GROUPS.get(upper)
    if (grouped) return {kind: 'group', token: grouped.id, codes: [...grouped.members]}
    if (COUNTRIES.has(upper)) return {kind: 'country', token: upper, codes: [upper]}
    const alias = COUNTRY_ALIASES.get(upper)
    if (alias) return {kind: 'country', token: alias.code, codes: [alias.code], note: alias.note}
    const withdrawn = WITHDRAWN.get(upper)
    if (withdrawn) return {kind: 'error', problem: `withdrawn country code "${text}"`, hint: withdrawn}
  }
  if (text.startsWith('-') || text.startsWith('!')) {
    const rest = text.slice(1).trim().toUpperCase()
    return {kind: 'error', problem: `unsupported exclusion "${text}"`, hint: `put ${rest} in deny instead`}
  }
  const grouped = GROUP_BY_KEY.get(groupKey(text))
  if (grouped && text !== '') return {kind: 'group', token: grouped.id, codes: [...grouped.members]}
  const suggestions = suggestCountryTokens(text)
  return {
    kind: 'error',
    problem: /^[A-Za-z]{2}$/.test(text) ? `unknown country "${text}"` : `unknown country or group "${text}"`,
    ...(suggestions.length > 0 ? {hint: `did you mean ${orList(suggestions)}?`} : {}),
  }
}

function orList(items: string[]): string {
  return items.length === 1 ? items[0]! : `${items.slice(0, -1).join(', ')} or ${items.at(-1)!}`
}

/**
 * Close matches for an unknown token, best first: for two letters, the swapped code, then codes
 * differing in the second letter, else in the first (at most 5, else none: too many to help);
 * for alpha-3 codes and country names, the alpha-2 code; group names within one edit (two for
 * names longer than five characters).
 */
export function suggestCountryTokens(raw: string): string[] {
  const upper = raw.trim().toUpperCase()
  if (/^[A-Z]{2}$/.test(upper)) {
    const swapped = upper[1]! + upper[0]!
    const swaps = swapped !== upper && COUNTRIES.has(swapped) ? [swapped] : []
    const all = [...COUNTRIES.keys(), ...COUNTRY_GROUPS.keys()].filter((c) => c.length === 2)
    const sameFirst = all.filter((c) => c[0] === upper[0] && c[1] !== upper[1]).sort()
    const sameSecond = all.filter((c) => c[1] === upper[1] && c[0] !== upper[0]).sort()
    const near = sameFirst.length > 0 ? sameFirst : sameSecond
    const ranked = [...new Set([...swaps, ...near])]
    return ranked.length <= 5 ? ranked : swaps
  }
  const found = new Set<string>()
  if (/^[A-Z]{3}$/.test(upper)) {
    for (const country of COUNTRIES.values()) if (country.alpha3 === upper) found.add(country.code)
  }
  const folded = foldName(raw)
  if (folded.length >= 3) {
    for (const country of COUNTRIES.values()) {
      const name = foldName(country.name)
      if (name === folded || (folded.length >= 4 && name.startsWith(folded))) found.add(country.code)
    }
    if (folded === 'england' || folded === 'britain' || folded === 'greatbritain' || folded === 'scotland' || folded === 'wales') found.add('GB')
    if (folded === 'usa' || folded === 'america' || folded === 'unitedstatesofamerica') found.add('US')
  }
  const key = groupKey(upper)
  if (found.size === 0 && key.length >= 2) {
    for (const [alias, group] of GROUP_BY_KEY) {
      if (editDistance(key, alias) <= (key.length <= 5 ? 1 : 2)) found.add(group.id)
    }
  }
  return [...found].slice(0, 5)
}

function foldName(text: string): string {
  return text.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z]/g, '')
}

/** A country list as written and as expanded. */
export interface CountryList {
  /** Sorted, de-duplicated alpha-2 codes. */
  codes: string[]
  /** The tokens in canonical spelling (EU, GB, FIVE_EYES), in the order given, de-duplicated. */
  spec: string[]
  /** Notes on tokens taken in another spelling (UK → GB). */
  notes: string[]
}

export class CountryTokenError extends Error {
  constructor(
    readonly index: number,
    readonly problem: string,
    readonly hint: string | undefined,
  ) {
    super(hint === undefined ? problem : `${problem} (${hint})`)
    this.name = 'CountryTokenError'
  }

  /** `unknown country "XX" in deny (did you mean XK?)` */
  describe(where: string): string {
    return `${this.problem} in ${where}${this.hint === undefined ? '' : ` (${this.hint})`}`
  }
}

/**
 * Expand tokens (codes, aliases, groups) into a country list. Empty tokens are skipped (a
 * trailing comma is harmless). Throws CountryTokenError naming the index of the first bad token.
 */
export function expandCountryList(tokens: readonly string[]): CountryList {
  const codes = new Set<string>()
  const spec: string[] = []
  const notes: string[] = []
  tokens.forEach((raw, index) => {
    if (raw.trim() === '') return
    const resolved = resolveCountryToken(raw)
    if (resolved.kind === 'error') throw new CountryTokenError(index, resolved.problem, resolved.hint)
    for (const code of resolved.codes) codes.add(code)
    if (!spec.includes(resolved.token)) spec.push(resolved.token)
    if (resolved.kind === 'country' && resolved.note !== undefined && !notes.includes(resolved.note)) notes.push(resolved.note)
  })
  return {codes: [...codes].sort(), spec, notes}
}

/** Split a comma-separated list (`EU, CH`); empty items are dropped. */
export function splitCountryText(text: string): string[] {
  return text.split(',').map((t) => t.trim()).filter((t) => t !== '')
}

/** `EU (27 countries)`, `DE (Germany)`: how a token reads in a report. */
export function describeToken(token: string): string {
  const grouped = COUNTRY_GROUPS.get(token)
  if (grouped) return `${token} (${grouped.members.length} countries)`
  const name = countryName(token)
  return name === undefined ? token : `${token} (${name})`
}
