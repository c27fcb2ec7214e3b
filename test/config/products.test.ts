// Products in the policy: the two forms, context paths that can be read one way only, no overlaps, and
// path rules written relative to the context path. Each problem names its YAML path (check-config).
import t from 'tap'
import { parseConfig } from '../../src/config/load.js'
import { formatProblem } from '../../src/config/problems.js'
import { parseProductUrl, productsOf } from '../../src/config/products.js'
import { compilePolicy } from '../../src/policy/compile.js'

function problems(text: string): string[] {
  const r = parseConfig(text, { env: {}, checkFiles: false })
  return r.ok ? [] : r.problems.map(formatProblem)
}

const two = (a: string, b: string, extra = ''): string =>
  `products:\n  - { name: jira, type: jira, url: "${a}" }\n  - { name: wiki, type: confluence, url: "${b}" }\n${extra}`

t.test('product URLs: an origin and a plain context path', async (t) => {
  t.same(parseProductUrl('http://jira:8080'), { ok: true, origin: 'http://jira:8080', contextPath: '' })
  t.same(parseProductUrl('http://jira:8080/'), { ok: true, origin: 'http://jira:8080', contextPath: '' })
  t.same(parseProductUrl('HTTPS://Jira.Example.com:443/jira'), { ok: true, origin: 'https://jira.example.com', contextPath: '/jira' })
  t.same(parseProductUrl('http://app:8080/tools/wiki'), { ok: true, origin: 'http://app:8080', contextPath: '/tools/wiki' })
  const refused: Array<[string, RegExp]> = [
    ['http://jira:8080/jira?x=1', /query/],
    ['http://jira:8080/jira#top', /fragment/],
    ['http://admin:pw@jira:8080/jira', /user name or password/],
    ['http://jira:8080/jira/', /must not end with "\/": write http:\/\/jira:8080\/jira/],
    ['http://jira:8080/a/../jira', /dot segment/],
    ['http://jira:8080/./jira', /dot segment/],
    ['http://jira:8080/jira;x=1', /";"/],
    ['http://jira:8080/ji%72a', /%-escape/],
    ['http://jira:8080//jira', /empty segment/],
    ['http://jira:8080/ji ra', /letters, digits/],
    ['ftp://jira/jira', /http/],
  ]
  for (const [url, reason] of refused) {
    const r = parseProductUrl(url)
    t.equal(r.ok, false, url)
    if (!r.ok) t.match(r.reason, reason, url)
  }
})

t.test('check-config names the key of each bad URL', async (t) => {
  t.same(problems('upstream: { url: "http://jira:8080/jira?x=1" }\n'), ['upstream.url (line 1): must not have a query (?...)'])
  t.same(problems(two('http://jira:8080/jira', 'http://wiki:8090/wiki/../x')), ['products[1].url (line 3): has a dot segment (..) in its context path'])
  t.same(problems(two('http://jira:8080/jira;x', 'http://wiki:8090/w%69ki')), [
    'products[0].url (line 2): has ";" in its context path (Tomcat would read it as a path parameter)',
    'products[1].url (line 3): has a %-escape in its context path: write the path plainly',
  ])
})

t.test('overlapping context paths, duplicate names, both forms or neither: problems with their keys', async (t) => {
  t.match(problems(two('http://jira:8080/jira', 'http://wiki:8090/jira')), [/^products\[1\]\.url \(line 3\): its context path \/jira overlaps that of jira \(\/jira\)/])
  t.match(problems(two('http://jira:8080/', 'http://wiki:8090/wiki')), [/^products\[1\]\.url .*overlaps that of jira \(\/\).*none may be at \//])
  t.match(problems(two('http://jira:8080/tools', 'http://wiki:8090/tools/wiki')), [/overlaps/])
  t.same(problems(two('http://jira:8080/jira', 'http://wiki:8090/jira2')), [], '/jira and /jira2 do not overlap')
  t.match(
    problems('products:\n  - { name: jira, type: jira, url: "http://a/x" }\n  - { name: jira, type: confluence, url: "http://b/y" }\n'),
    [/^products\[1\]\.name \(line 3\): "jira" is the name of products\[0\] too/],
  )
  t.match(problems('upstream: { url: "http://a" }\n' + two('http://a/x', 'http://b/y')), [/^products .*either upstream .* or products/])
  t.match(problems('products: []\n'), [/products/])
  t.match(problems(two('http://a/x', 'http://b/y', 'directory: { product: nope }\n')), [/^directory\.product .*names no product \(products: jira, wiki\)/])
})

t.test('a path rule that starts with a context path is reported: rules are relative to it', async (t) => {
  const text = two('http://jira:8080/jira', 'http://wiki:8090/confluence', 'kerberos: { paths: ["/rest/**", "/jira/rest/**"] }\napiTokens: { paths: ["/confluence/rest/**"] }\ntokenPage: { path: /jira/tokens }\n')
  t.same(problems(text), [
    'kerberos.paths[1] (line 4): "/jira/rest/**" starts with the context path /jira, but path rules are relative to it: it would only match /jira/jira/rest/**; write "/rest/**"',
    'apiTokens.paths[0] (line 5): "/confluence/rest/**" starts with the context path /confluence, but path rules are relative to it: it would only match /confluence/confluence/rest/**; write "/rest/**"',
    'tokenPage.path (line 6): is relative to each context path: write it without the context path (the page is served under each product)',
  ])
  t.same(problems('upstream: { url: "http://jira:8080" }\nkerberos: { paths: ["/jira/**"] }\n'), [], 'at the root, /jira is just a path')
})

t.test('both forms read as products, with their defaults', async (t) => {
  const one = parseConfig('upstream: { url: "http://jira:8080/jira" }\n', { env: {} })
  if (!one.ok) return t.fail('loads')
  const [p] = productsOf(one.config)
  t.match(p, { name: 'jira', type: 'jira', origin: 'http://jira:8080', contextPath: '/jira', applicationName: 'JIRA' })
  const many = parseConfig(two('http://jira:8080/jira', 'https://wiki:8443/confluence', 'directory: { product: wiki }\n'), { env: {} })
  if (!many.ok) return t.fail(many.problems.map(formatProblem).join('\n'))
  const compiled = compilePolicy(many.config)
  t.same([...compiled.products.keys()], ['jira', 'wiki'])
  t.match(compiled.products.get('wiki'), { type: 'confluence', contextPath: '/confluence', origin: 'https://wiki:8443', applicationName: 'Confluence', timeoutMs: 60_000 })
})

t.test('config/restgate.products.yaml loads: Jira and Confluence under their context paths', async (t) => {
  const { loadConfigFile } = await import('../../src/config/load.js')
  const { repoPath } = await import('../helpers/paths.js')
  const r = await loadConfigFile(repoPath('config', 'restgate.products.yaml'), { env: {} })
  if (!r.ok) return t.fail(r.problems.map(formatProblem).join('\n'))
  t.same(
    productsOf(r.config).map((p) => [p.name, p.type, p.contextPath]),
    [
      ['jira', 'jira', '/jira'],
      ['confluence', 'confluence', '/confluence'],
    ],
  )
})
