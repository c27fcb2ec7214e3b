// The Host header restgate believes: host[:port] and nothing else (RFC 9110 §7.2, RFC 9112 §3.2).
import t from 'tap'
import { parseHostHeader, parsePort } from '../../src/policy/host-header.js'

const good: Array<[string, string, number | undefined]> = [
  ['jira.example.com', 'jira.example.com', undefined],
  ['jira.example.com:8443', 'jira.example.com', 8443],
  ['localhost', 'localhost', undefined],
  ['127.0.0.1:8000', '127.0.0.1', 8000],
  ['[::1]:8000', '[::1]', 8000],
  ['[2001:db8::1]', '[2001:db8::1]', undefined],
  ['jira_internal', 'jira_internal', undefined],
  ['example.com.', 'example.com.', undefined],
  ['JIRA.EXAMPLE.COM:443', 'JIRA.EXAMPLE.COM', 443],
]

const bad = [
  '',
  'jira.example.com:',
  'jira.example.com:0',
  'jira.example.com:65536',
  'jira.example.com:80:80',
  'jira.example.com:8o',
  'user@jira.example.com',
  'jira.example.com/path',
  'jira example.com',
  'jira..example.com',
  '-jira.example.com',
  'jira.example.com\r\nx: y',
  '[::1',
  '[not-v6]:80',
  '::1',
  'a'.repeat(300),
  'jira.example.com?x',
  'jira.example.com#x',
]

t.test('host[:port] is read one way', async (t) => {
  for (const [value, hostname, port] of good) t.same(parseHostHeader(value), { ok: true, hostname, port }, value)
})

t.test('anything else is refused', async (t) => {
  for (const value of bad) t.equal(parseHostHeader(value).ok, false, JSON.stringify(value))
})

t.test('ports', async (t) => {
  t.equal(parsePort('1'), 1)
  t.equal(parsePort('65535'), 65535)
  t.equal(parsePort('0'), undefined)
  t.equal(parsePort('+80'), undefined)
  t.equal(parsePort('080'), 80)
})
