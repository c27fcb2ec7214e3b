// nginx from docs/forward-auth.md, as the tests and the benchmark run it: only the page's addresses, port
// and certificate change, each must be there exactly once, and everything nginx writes stays in its directory.
import t from 'tap'
import { readFileSync } from 'node:fs'
import { DOC_CERT, DOC_JIRA, DOC_KEY, DOC_LISTEN, DOC_RESTGATE, docsNginxBlock, mainConfig, siteConfig } from '../../bench/servers/nginx.js'
import { withoutAuth } from '../../bench/forward-auth-cases.js'
import { repoPath } from '../helpers/paths.js'

const block = docsNginxBlock(readFileSync(repoPath('docs', 'forward-auth.md'), 'utf8'))
const site = { restgate: '127.0.0.1:1001', jira: '127.0.0.1:1002', listen: '127.0.0.1:1003' }

t.test('the page names each address once, and a run changes only those', async (t) => {
  for (const token of [DOC_RESTGATE, DOC_JIRA, DOC_LISTEN, DOC_CERT, DOC_KEY]) t.equal(block.split(token).length, 2, token)
  const tls = siteConfig(block, { ...site, tls: { cert: '/run/c.pem', key: '/run/k.pem' } })
  t.match(tls, /server 127\.0\.0\.1:1001;/)
  t.match(tls, /listen 127\.0\.0\.1:1003 ssl;/)
  t.match(tls, /ssl_certificate \/run\/c\.pem;/)
  t.equal(tls.replace(/server 127\.0\.0\.1:100[12];|listen 127\.0\.0\.1:1003 ssl;|ssl_certificate \/run\/c\.pem;|ssl_certificate_key \/run\/k\.pem;/g, '').length,
    block.replace(/server restgate\.internal:8000;|server jira\.internal:8080;|listen 443 ssl;|ssl_certificate {5}\S+;|ssl_certificate_key \S+;/g, '').length, 'nothing else changed')
  const plain = siteConfig(block, site)
  t.match(plain, /listen 127\.0\.0\.1:1003;/)
  t.notMatch(plain, /ssl_certificate/)
  t.throws(() => siteConfig(block.replace(DOC_JIRA, 'server jira:80;'), site), /exactly once/)
})

t.test('the main configuration keeps every file in the run directory', async (t) => {
  const conf = mainConfig('/tmp/run-x', siteConfig(block, site))
  t.match(conf, /^daemon off;$/m)
  t.match(conf, /^pid \/tmp\/run-x\/nginx\.pid;$/m)
  t.match(conf, /^error_log \/tmp\/run-x\/error\.log warn;$/m)
  for (const k of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) t.match(conf, new RegExp(`${k}_temp_path /tmp/run-x/${k}_temp;`))
  t.notMatch(conf, /\/var\/(log|lib)\/nginx|\/etc\/nginx\/nginx\.conf/, 'nothing of the system instance')
})

t.test('nginx alone is the page without its auth subrequest', async (t) => {
  const alone = withoutAuth(block)
  t.notMatch(alone, /auth_request \/restgate\/auth;/)
  t.equal(alone.split('\n').length, block.split('\n').length - 1, 'one line less')
  t.throws(() => withoutAuth(alone))
})
