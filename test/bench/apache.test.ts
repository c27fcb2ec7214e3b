// The Apache httpd peer's configuration: what makes it a fair and real reference (authentication that is
// required, the user told to the upstream, the credential not forwarded, sessions with a shared key).
import t from 'tap'
import { APACHE_SESSION_COOKIE, apacheConfig, apacheFiles } from '../../bench/servers/apache.js'

const layout = {
  dir: '/tmp/apache-x',
  upstream: 'http://127.0.0.1:9999',
  ports: { plain: 1001, gssapi: 1002, session: 1003 },
  accessLog: '/tmp/run/apache-access.log',
  errorLog: '/tmp/run/apache-error.log',
  user: 'www-data',
}

/** The lines of one virtual host. */
function vhost(conf: string, port: number): string[] {
  const lines = conf.split('\n')
  const start = lines.indexOf(`<VirtualHost 127.0.0.1:${port}>`)
  const end = lines.indexOf('</VirtualHost>', start)
  return lines.slice(start, end).map((l) => l.trim())
}

t.test('three virtual hosts on loopback, each proxying to the stub', async (t) => {
  const conf = apacheConfig(layout)
  for (const port of [1001, 1002, 1003]) {
    t.match(conf, new RegExp(`^Listen 127\\.0\\.0\\.1:${port}$`, 'm'))
    t.ok(vhost(conf, port).includes('ProxyPass "/" "http://127.0.0.1:9999/"'), `port ${port} proxies`)
  }
  t.notOk(vhost(conf, 1001).some((l) => l.startsWith('AuthType')), 'the plain host does not authenticate')
  t.match(conf, /^User www-data$/m)
  t.match(conf, /^PidFile "\/tmp\/apache-x\/httpd\.pid"$/m)
  t.match(conf, /^CustomLog "\/tmp\/run\/apache-access\.log" combined$/m)
  t.notMatch(conf, /\/etc\/apache2/, 'nothing of the system instance')
})

t.test('GSSAPI hosts require a user, tell the upstream who, and drop the consumed credential', async (t) => {
  const conf = apacheConfig(layout)
  for (const port of [1002, 1003]) {
    const v = vhost(conf, port)
    t.ok(v.includes('AuthType GSSAPI'))
    t.ok(v.includes('Require valid-user'))
    t.ok(v.includes(`GssapiCredStore keytab:${apacheFiles('/tmp/apache-x').keytab}`), 'the www-data readable keytab copy')
    // "%{REMOTE_USER}s" would send the literal "(null)".
    t.ok(v.includes('RequestHeader set X-Forwarded-User "expr=%{REMOTE_USER}"'))
    t.ok(v.includes('RequestHeader unset Authorization'))
  }
  t.notOk(vhost(conf, 1002).includes('GssapiUseSessions On'), 'a handshake on every request')
  const s = vhost(conf, 1003)
  t.ok(s.includes('GssapiUseSessions On') && s.includes('Session On'))
  t.ok(s.includes(`SessionCookieName ${APACHE_SESSION_COOKIE} path=/;httponly`))
  t.ok(s.includes(`GssapiSessionKey file:${apacheFiles('/tmp/apache-x').sessionKey}`), 'one key shared by every child')
})

t.test('without root there is no User line: Apache keeps the caller', async (t) => {
  t.notMatch(apacheConfig({ ...layout, user: undefined }), /^User /m)
})
