import {describe, expect, it} from 'vitest'
import {maskId, redactUrl} from '../../../src/protocols/http/meeting-links.js'

describe('maskId', () => {
  it('keeps the first and last two characters', () => {
    expect(maskId('1234567890')).toBe('12••••••90')
    expect(maskId('abcde')).toBe('ab•de')
    expect(maskId('abcd')).toBe('••••')
    expect(maskId('')).toBe('')
  })
})

describe('redactUrl', () => {
  it.each([
    // [target, host, redacted text, redacted params, meeting link]
    ['/j/1234567890?pwd=S3cr3tPass', 'zoom.us', '/j/12••••••90?pwd=***', ['pwd'], {app: 'zoom', id: '12••••••90', passcode: true}],
    ['/j/98765432101', 'us02web.zoom.us', '/j/98•••••••01', [], {app: 'zoom', id: '98•••••••01', passcode: false}],
    ['/wc/join/1234567890?pwd=abc&uname=Alice', 'zoom.us', '/wc/join/12••••••90?pwd=***&uname=Alice', ['pwd'], {app: 'zoom', id: '12••••••90', passcode: true}],
    ['/wc/1234567890/join?tk=TOKEN', 'zoom.us', '/wc/12••••••90/join?tk=***', ['tk'], {app: 'zoom', id: '12••••••90', passcode: false}],
    ['/join?confno=1234567890&pwd=x', 'zoom.us', '/join?confno=12••••••90&pwd=***', ['pwd'], {app: 'zoom', id: '12••••••90', passcode: true}],
    ['/meet/alice.smith', 'acme.webex.com', '/meet/al•••••••th', [], {app: 'webex', id: 'al•••••••th', passcode: false}],
    ['/acme/j.php?MTID=m0123456789abcdef', 'acme.webex.com', '/acme/j.php?MTID=m0•••••••••••••ef', [], {app: 'webex', id: 'm0•••••••••••••ef', passcode: false}],
    ['/l/meetup-join/19%3ameeting_ABC%40thread.v2/0?context=%7b%7d', 'teams.microsoft.com', `/l/meetup-join/19${'•'.repeat(24)}v2/0?context=%7b%7d`, [], {app: 'teams', id: `19${'•'.repeat(20)}v2`, passcode: false}],
    ['/meet/9312345678?p=AbCdEf', 'teams.live.com', '/meet/93••••••78?p=***', ['p'], {app: 'teams', id: '93••••••78', passcode: true}],
    ['/abc-defg-hij?authuser=0', 'meet.google.com', '/ab••••••••ij?authuser=0', [], {app: 'meet', id: 'ab••••••••ij', passcode: false}],
    ['/SecretBoardMeeting', 'meet.jit.si', '/Se••••••••••••••ng', [], {app: 'jitsi', id: 'Se••••••••••••••ng', passcode: false}],
    ['/http-bind?room=secretroom', 'meet.jit.si', '/http-bind?room=se••••••om', [], {app: 'jitsi', id: 'se••••••om', passcode: false}],
    // A self-hosted Jitsi Meet: its transports name the room on any host; a JWT goes redacted.
    ['/xmpp-websocket?room=crisiscell&token=eyJhbGciOi', 'meet.ministry.example', '/xmpp-websocket?room=cr••••••ll&token=***', ['token'], {app: 'jitsi', id: 'cr••••••ll', passcode: false}],
    ['/jitsi/http-bind?room=ops%20briefing', '10.0.0.5:8000', '/jitsi/http-bind?room=op••••••••••ng', [], {app: 'jitsi', id: 'op••••••••ng', passcode: false}],
  ])('%s on %s', (target, host, text, redacted, link) => {
    expect(redactUrl(target, host)).toEqual({text, redacted, meetingLink: link})
  })

  it('redacts secret parameters on any host, but not p= or pin= outside meeting hosts', () => {
    expect(redactUrl('/api?access_token=abc&page=2&p=3&Password=hunter2', 'api.example')).toEqual({
      text: '/api?access_token=***&page=2&p=3&Password=***',
      redacted: ['access_token', 'password'],
      meetingLink: null,
    })
  })

  it('leaves empty values and plain paths alone', () => {
    expect(redactUrl('/j/?pwd=', 'zoom.us')).toEqual({text: '/j/?pwd=', redacted: [], meetingLink: null})
    expect(redactUrl('/index.html', 'zoom.us')).toEqual({text: '/index.html', redacted: [], meetingLink: null})
    expect(redactUrl('*', null)).toEqual({text: '*', redacted: [], meetingLink: null})
  })

  it('handles absolute-form targets: host from the URL, password in the authority redacted', () => {
    expect(redactUrl('http://bob:hunter2@zoom.us:80/j/1234567890?pwd=x#frag', 'proxy.example')).toEqual({
      text: 'http://bob:***@zoom.us:80/j/12••••••90?pwd=***#frag',
      redacted: ['pwd', 'userinfo'],
      meetingLink: {app: 'zoom', id: '12••••••90', passcode: true},
    })
  })

  it('redacts secrets in a fragment too', () => {
    expect(redactUrl('/cb#access_token=abc&state=1', 'app.example').text).toBe('/cb#access_token=***&state=1')
  })

  it('takes no other path with a room parameter, nor those paths without one, for Jitsi', () => {
    expect(redactUrl('/booking?room=101', 'hotel.example').meetingLink).toBeNull()
    expect(redactUrl('/xmpp-websocket', 'chat.example').meetingLink).toBeNull()
    expect(redactUrl('/xmpp-websocket?room=', 'chat.example').meetingLink).toBeNull()
    expect(redactUrl('/http-bind/x?room=a1b2c3', 'chat.example').meetingLink).toBeNull()
  })

  it('does not take look-alike hosts for meeting hosts', () => {
    expect(redactUrl('/j/1234567890', 'notzoom.us').meetingLink).toBeNull()
    expect(redactUrl('/j/1234567890', 'zoom.us.evil.example').meetingLink).toBeNull()
    expect(redactUrl('/j/1234567890', 'ZOOM.US:80').meetingLink?.app).toBe('zoom')
  })

  it('survives malformed percent-encoding', () => {
    expect(redactUrl('/j/12%zz34567?pw%d=1&%E0%A4%A=2', 'zoom.us').text).toBe('/j/12••••••67?pw%d=1&%E0%A4%A=2')
  })
})
