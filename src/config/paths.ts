// Paths restgate itself owns whatever the policy says, where config checks need to know them.

/** The forward-auth endpoint (forwardAuth.enabled): nginx auth_request, Traefik ForwardAuth, Envoy ext_authz. */
export const FORWARD_AUTH_PATH = '/restgate/auth'
