// Response headers for everything the page scope answers. The CSP allows only the page's own files: no
// inline script or style, no other origin, no framing (clickjacking: X-Frame-Options for older browsers,
// frame-ancestors for the rest). no-store: token lists and CSRF tokens never sit in a cache.
export const PAGE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; " +
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-frame-options': 'DENY',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
})
