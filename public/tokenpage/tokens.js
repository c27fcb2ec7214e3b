// restgate token page. Talks only to the JSON management API (and the page's own login/session routes);
// sends the session's CSRF token on every change. No framework, no build step.
'use strict'
;(() => {
  const base = document.body.dataset.base
  const $ = (id) => document.getElementById(id)
  let me = null
  let csrf = null
  let showAll = false
  let shown = []

  class PageError extends Error {
    constructor(message, code, status) {
      super(message)
      this.code = code
      this.status = status
    }
  }

  const HUMAN = {
    RG_ERR_SESSION_EXPIRED: 'Your session has expired: log in again.',
    RG_ERR_CSRF: 'This page is out of date (its security token no longer matches): reload the page and try again.',
    RG_ERR_STORE_UNAVAILABLE: 'restgate cannot reach its token store right now: try again in a moment.',
    RG_ERR_UPSTREAM_UNAVAILABLE: 'Jira could not be reached to check the password: try again in a moment.',
  }

  function say(text, kind) {
    const m = $('message')
    m.textContent = text || ''
    m.className = 'message ' + (kind || 'error')
    m.hidden = !text
  }

  async function call(method, url, body) {
    // X-Requested-With: restgate answers a call without a live session with JSON only, never a Basic
    // challenge (the browser would open its password dialog instead of this page's login form).
    const headers = { accept: 'application/json', 'x-requested-with': 'XMLHttpRequest' }
    if (body !== undefined) headers['content-type'] = 'application/json'
    if (csrf !== null && method !== 'GET') headers['x-rg-csrf'] = csrf
    let res
    try {
      res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin', cache: 'no-store' })
    } catch {
      throw new PageError('restgate could not be reached: check your connection and try again.', 'NETWORK', 0)
    }
    const type = res.headers.get('content-type') || ''
    const data = type.includes('json') ? await res.json().catch(() => null) : await res.text()
    if (res.ok) return data
    const code = data && data.code
    if (res.status === 401 && me !== null && code !== 'RG_ERR_LOGIN_FAILED') {
      throw new PageError(HUMAN.RG_ERR_SESSION_EXPIRED, 'RG_ERR_SESSION_EXPIRED', 401)
    }
    if (code === 'RG_ERR_LOCKED_OUT') {
      // restgate's one lockout (per user and per address) says when in Retry-After, in seconds.
      const minutes = Math.max(1, Math.ceil(Number(res.headers.get('retry-after') || 60) / 60))
      throw new PageError(`Too many failed logins: try again in ${minutes} minute(s), or ask an administrator to clear the lockout.`, code, res.status)
    }
    throw new PageError(HUMAN[code] || (data && data.message) || `restgate answered ${res.status}: try again.`, code, res.status)
  }

  /** Every failure ends here: the message, and the login form when the session is gone. */
  async function failed(err) {
    if (err.code === 'RG_ERR_SESSION_EXPIRED') {
      // Where Kerberos covers the page, who-am-I answers with a Negotiate challenge and a domain browser
      // logs in again by itself; anywhere else this fails and the login form follows.
      try {
        await loadSession()
        say('Your session had expired: you are logged in again. Try once more.', 'ok')
        return
      } catch {
        showLogin()
      }
    }
    say(err.message, 'error')
  }

  const api = (path) => me.api + path

  function pad(n) {
    return String(n).padStart(2, '0')
  }
  function when(ms) {
    if (ms === undefined || ms === null) return ''
    const d = new Date(ms)
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`
  }

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag)
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === 'class') e.className = v
      else if (k.startsWith('data-')) e.setAttribute(k, v)
      else e[k] = v
    }
    for (const c of children) if (c !== null && c !== undefined) e.append(c)
    return e
  }

  function showLogin() {
    me = null
    csrf = null
    $('app').hidden = true
    $('who').hidden = true
    $('login').hidden = false
    $('login-form').username.focus()
  }

  /** A path rule in plain words: `/rest/**` is "addresses that start with /rest/". */
  function place(glob) {
    if (glob.endsWith('/**') && !glob.slice(0, -3).includes('*')) return `addresses that start with ${glob.slice(0, -2)}`
    if (!glob.includes('*')) return `the address ${glob}`
    return glob
  }

  function places(globs) {
    const words = globs.map(place)
    const text = words.length <= 1 ? words.join('') : `${words.slice(0, -1).join(', ')} and ${words.at(-1)}`
    return globs.length === 1 && globs[0] === '/rest/**' ? `Jira's REST API (${text})` : text
  }

  function showApp() {
    $('login').hidden = true
    $('app').hidden = false
    $('who').hidden = false
    $('who-name').textContent = me.user
    $('all-label').hidden = !me.admin
    $('create-form').hidden = !me.mayCreate
    $('cannot-create').hidden = me.mayCreate
    const form = $('create-form')
    // No placeholder in the field: grey text there reads as a value already filled in.
    $('days-help').textContent =
      `Leave empty for ${me.defaultLifetimeDays} days. At most ${me.maxLifetimeDays} days` + (me.allowNonExpiring ? ', or tick "Never stops working".' : '.')
    $('forever-label').hidden = !me.allowNonExpiring
    const write = form.querySelector('input[name="scope"][value="write"]')
    write.disabled = !me.mayWrite
    if (!me.mayWrite) form.querySelector('input[name="scope"][value="read"]').checked = true
    $('limits').textContent =
      `A token stops working after ${me.defaultLifetimeDays} days unless you choose another number of days, at most ${me.maxLifetimeDays} days` +
      (me.allowNonExpiring ? ' (or never).' : '.') +
      (me.mayWrite ? '' : ' You may create read-only tokens only: an administrator can allow more (apiTokens.scopes.allowWrite).') +
      ` Tokens work for ${places(me.tokenPaths)}.`
  }

  async function loadSession() {
    me = await call('GET', base + '/api/session')
    csrf = me.csrf
    showApp()
    await loadTokens()
  }

  function statusOf(t) {
    if (t.expired) return ['Expired', 'status-expired', 'It no longer works: create a new token to replace it.']
    if (!t.active) {
      const who = t.username === me.user ? 'You are' : 'Its owner is'
      return ['Inactive', 'status-inactive', `${who} no longer allowed to use tokens: ask an administrator (apiTokens.creators.groups).`]
    }
    return ['Active', 'status-active', null]
  }

  const days = (n) => `${n} day${String(n) === '1' ? '' : 's'}`

  function render() {
    const filter = $('user-filter').value.trim().toLowerCase()
    const rows = shown.filter((t) => !showAll || filter === '' || t.username.toLowerCase().includes(filter))
    const body = $('tokens').tBodies[0]
    body.replaceChildren(
      ...rows.map((t) => {
        const [status, cls, why] = statusOf(t)
        const own = t.username === me.user
        const actions = el('td', {})
        if (own && !t.expired && t.expiresAtMillis !== undefined) {
          // Extending gives the token its lifetime again from today: say how much that is.
          actions.append(el('button', { type: 'button', class: 'small quiet', textContent: `Extend by ${days(t.validForDays)}`, title: `It then stops working ${days(t.validForDays)} from today`, 'data-action': 'refresh', 'data-id': String(t.id) }))
        }
        // A quiet button: the confirmation says what revoking does, and its own button is the red one.
        actions.append(el('button', { type: 'button', class: 'small quiet', textContent: 'Revoke', 'data-action': 'revoke', 'data-id': String(t.id) }))
        return el(
          'tr',
          { 'data-id': String(t.id) },
          el('td', { class: 'user-col', textContent: t.username }),
          el('td', { class: 'name', textContent: t.tokenName }),
          el('td', { textContent: t.description }),
          el('td', { textContent: when(t.createdAtMillis) }),
          el('td', { class: 'expires', textContent: t.expiresAtMillis === undefined ? 'Never' : when(t.expiresAtMillis) }),
          el(
            'td',
            { class: 'last-used' },
            t.lastUsedAtMillis === null ? 'Never' : when(t.lastUsedAtMillis),
            t.lastUsedIp === null ? null : el('span', { class: 'sub', textContent: `from ${t.lastUsedIp}` }),
          ),
          el(
            'td',
            { class: 'scope-cell' },
            el('span', { class: `scope ${t.scope}`, textContent: t.scope === 'read' ? 'read only' : 'read and change' }),
            t.paths === null ? null : el('span', { class: 'sub', textContent: `only ${places(t.paths)}` }),
          ),
          el('td', { class: 'status' }, el('span', { class: cls, textContent: status }), why === null ? null : el('span', { class: 'sub', textContent: why })),
          actions,
        )
      }),
    )
    $('empty').hidden = rows.length !== 0
    $('empty').textContent = shown.length === 0 ? 'No tokens yet.' : 'No token matches the filter.'
  }

  async function loadTokens() {
    shown = (await call('GET', api(showAll ? '/admin/tokens' : '/user/tokens'))).allApiTokens
    $('tokens').classList.toggle('all', showAll)
    $('filter-label').hidden = !showAll
    $('list-title').textContent = showAll ? "Every user's tokens" : 'My tokens'
    render()
  }

  $('login-form').addEventListener('submit', async (ev) => {
    ev.preventDefault()
    const form = ev.target
    say('')
    try {
      const res = await call('POST', base + '/api/login', { username: form.username.value, password: form.password.value })
      csrf = res.csrf
      form.password.value = ''
      await loadSession()
    } catch (err) {
      form.password.value = ''
      say(err.message, 'error')
    }
  })

  $('logout').addEventListener('click', async () => {
    try {
      await call('POST', base + '/api/logout', {})
    } catch {
      // Logged out already, or the session is gone: either way the login form is next.
    }
    showLogin()
    say('You are logged out.', 'ok')
  })

  $('create-form').addEventListener('submit', async (ev) => {
    ev.preventDefault()
    const form = ev.target
    say('')
    const body = { scope: form.querySelector('input[name="scope"]:checked').value }
    if (form.tokenName.value.trim() !== '') body.tokenName = form.tokenName.value.trim()
    if (form.description.value.trim() !== '') body.description = form.description.value.trim()
    if (form.isValidForever.checked) body.isValidForever = true
    else if (form.validForDays.value !== '') body.validForDays = Number(form.validForDays.value)
    const paths = form.paths.value.split('\n').map((p) => p.trim()).filter((p) => p !== '')
    if (paths.length > 0) body.paths = paths
    try {
      const created = await call('POST', api('/user/tokens'), body)
      form.reset()
      if (!me.mayWrite) form.querySelector('input[name="scope"][value="read"]').checked = true
      $('created-name').textContent = created.tokenName
      $('secret').value = created.apiToken
      $('copied').hidden = true
      $('usage-basic').textContent = `curl -u ${me.user}:TOKEN ${location.origin}${me.example}`
      $('usage-bearer').textContent = `curl -H "Authorization: Bearer TOKEN" ${location.origin}${me.example}`
      $('created').showModal()
      $('secret').select()
      await loadTokens()
    } catch (err) {
      failed(err)
    }
  })

  $('copy').addEventListener('click', async () => {
    const input = $('secret')
    input.select()
    try {
      await navigator.clipboard.writeText(input.value)
    } catch {
      // No clipboard API (plain http on an intranet host): the selected text copies the old way.
      document.execCommand('copy')
    }
    $('copied').hidden = false
  })

  $('done').addEventListener('click', () => {
    $('secret').value = ''
    $('created').close()
  })
  // Escape closes the dialog too: the secret must not stay in the page either way.
  $('created').addEventListener('close', () => {
    $('secret').value = ''
  })

  function confirmRevoke(t) {
    return new Promise((resolve) => {
      const dialog = $('confirm')
      const own = t.username === me.user
      $('confirm-title').textContent = `Revoke the token "${t.tokenName}"${own ? '' : ` of ${t.username}`}?`
      $('confirm-text').textContent =
        `${own ? 'Scripts and programs' : `${t.username}'s scripts and programs`} that use this token stop working at once: ` +
        'from now on their requests are refused. This cannot be undone, but a new token can be created at any time.'
      const done = (answer) => {
        $('confirm-yes').removeEventListener('click', yes)
        $('confirm-no').removeEventListener('click', no)
        dialog.removeEventListener('cancel', no)
        dialog.close()
        resolve(answer)
      }
      const yes = () => done(true)
      const no = () => done(false)
      $('confirm-yes').addEventListener('click', yes)
      $('confirm-no').addEventListener('click', no)
      dialog.addEventListener('cancel', no)
      dialog.showModal()
    })
  }

  $('tokens').addEventListener('click', async (ev) => {
    const button = ev.target.closest('button[data-action]')
    if (button === null) return
    const t = shown.find((x) => String(x.id) === button.dataset.id)
    if (t === undefined) return
    say('')
    try {
      if (button.dataset.action === 'revoke') {
        if (!(await confirmRevoke(t))) return
        const own = t.username === me.user
        await call('DELETE', api(own ? `/user/delete/${t.id}` : `/admin/delete/${t.id}`))
        say(`The token "${t.tokenName}"${own ? '' : ` of ${t.username}`} is revoked: requests with it are refused from now on.`, 'ok')
      } else {
        const updated = await call('PUT', api('/user/refresh'), { id: t.id })
        say(`The token "${t.tokenName}" now stops working on ${when(updated.expiresAtMillis)}, ${days(updated.validForDays)} from today.`, 'ok')
      }
      await loadTokens()
    } catch (err) {
      failed(err)
    }
  })

  $('reload').addEventListener('click', () => {
    say('')
    loadTokens().catch(failed)
  })
  $('show-all').addEventListener('change', (ev) => {
    showAll = ev.target.checked
    loadTokens().catch(failed)
  })
  $('user-filter').addEventListener('input', render)

  loadSession().catch((err) => {
    showLogin()
    if (err.code === 'RG_ERR_SESSION_EXPIRED') say(err.message, 'error')
    else if (err.status !== 401) say(err.message, 'error')
  })
})()
