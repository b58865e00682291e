/** Terminal rendering of geo answers and database lists (text from databases is neutralised). */
import chalk from 'chalk'
import {table} from 'table'
import {safeTerminal} from '../report/sanitize.js'
import type {DatabaseInfo} from './database.js'
import {daysBetween} from './age.js'
import {GEO_FIELDS} from './fields.js'
import type {GeoAnswer} from './resolver.js'

const FIELD_LABELS: Record<(typeof GEO_FIELDS)[number], string> = {
  country: 'country',
  registeredCountry: 'registered country',
  representedCountry: 'represented country',
  continent: 'continent',
  subdivision: 'subdivision',
  city: 'city',
  latitude: 'latitude',
  longitude: 'longitude',
  accuracyRadius: 'accuracy radius (km)',
  asn: 'ASN',
  asOrg: 'AS organisation',
  isAnycast: 'anycast',
  label: 'label',
}

function display(value: string | number | boolean): string {
  if (typeof value === 'number' && !Number.isInteger(value)) return String(Number(value.toFixed(4)))
  return safeTerminal(String(value))
}

export function renderAnswers(answers: GeoAnswer[]): string {
  const rows: string[][] = [['Address', 'Field', 'Value', 'Source', 'Network'].map((h) => chalk.bold(h))]
  for (const answer of answers) {
    const lines: string[][] = []
    if (answer.transition) lines.push(['transition', `${answer.transition.kind}, carries ${answer.transition.ipv4} (looked up)`, '', ''])
    if (answer.special) lines.push(['special', chalk.cyan(`${answer.special.kind}: ${answer.special.name}`), 'callaudit', answer.special.network])
    for (const field of GEO_FIELDS) {
      const v = answer.fields[field]
      if (v) lines.push([FIELD_LABELS[field], display(v.value), safeTerminal(v.source), v.network])
    }
    if (!answer.known) lines.push(['(unknown)', chalk.yellow('no database has a record for this address'), '', ''])
    lines.forEach((line, i) => rows.push([i === 0 ? answer.ip : '', ...line]))
  }
  return table(rows, {drawHorizontalLine: (i, size) => i === 0 || i === 1 || i === size})
}

export function renderDatabases(databases: DatabaseInfo[], now: Date): string {
  const rows: string[][] = [['#', 'Database', 'Schema / type', 'Built', 'Age', 'IP', 'Nodes', 'Path and provenance'].map((h) => chalk.bold(h))]
  databases.forEach((db, i) => {
    const age = daysBetween(new Date(db.buildEpoch), now)
    const where = [safeTerminal(db.path)]
    if (db.member) where.push(`member ${safeTerminal(db.member)}`)
    if (db.provenance) {
      const p = db.provenance
      where.push(`${p.package}@${p.version}`, `licence: ${p.license}`)
      if (p.compiledFrom) where.push(p.compiledFrom)
      if (p.note) where.push(chalk.yellow(`note: ${p.note}`))
    } else if (db.description) {
      where.push(safeTerminal(db.description))
    }
    rows.push([
      String(i + 1),
      `${safeTerminal(db.id)}\n(${db.origin})`,
      `${db.schema}\n${safeTerminal(db.databaseType)}${db.countryMeaning === 'registration' ? '\ncountry = registration' : ''}`,
      db.buildEpoch.slice(0, 10),
      age > 90 ? chalk.yellow(`${age} d`) : `${age} d`,
      db.ipVersions.map((v) => `IPv${v}`).join('+'),
      `${db.nodeCount}\n${db.recordSize}-bit`,
      where.join('\n'),
    ])
  })
  return table(rows, {columns: {7: {width: 60, wrapWord: true}}})
}
