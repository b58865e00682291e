/** Static RTP payload types (RFC 3551 §6, Table 4 and 5); 96-127 are dynamic (negotiated). */
const STATIC: Record<number, string> = {
  0: 'PCMU',
  3: 'GSM',
  4: 'G723',
  5: 'DVI4/8000',
  6: 'DVI4/16000',
  7: 'LPC',
  8: 'PCMA',
  9: 'G722',
  10: 'L16/stereo',
  11: 'L16/mono',
  12: 'QCELP',
  13: 'CN',
  14: 'MPA',
  15: 'G728',
  16: 'DVI4/11025',
  17: 'DVI4/22050',
  18: 'G729',
  25: 'CelB',
  26: 'JPEG',
  28: 'nv',
  31: 'H261',
  32: 'MPV',
  33: 'MP2T',
  34: 'H263',
}

export function payloadTypeName(pt: number): string {
  const name = STATIC[pt]
  if (name) return name
  return pt >= 96 ? `dynamic ${pt}` : `unassigned ${pt}`
}
