package com.atlassian.seraph.auth;

import java.nio.charset.StandardCharsets;
import java.security.Principal;
import java.util.Base64;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import javax.servlet.http.HttpSession;

/**
 * Test-only stand-in for {@code com.atlassian.seraph.auth.DefaultAuthenticator extends AbstractAuthenticator}
 * (Seraph 4.x). Mirrored, with the real signatures and behaviour in the parts the restgate authenticators rely on:
 * <ul>
 * <li>{@code public Principal getUser(HttpServletRequest, HttpServletResponse)}: the user of the session (unless it is
 *     marked logged out), else Basic authentication through {@code login}; the real one also tries the remember-me
 *     cookie between the two, left out here.</li>
 * <li>{@code protected abstract Principal getUser(String username)} and
 *     {@code protected abstract boolean authenticate(Principal user, String password) throws AuthenticatorException}.</li>
 * <li>{@code protected boolean authoriseUserAndEstablishSession(HttpServletRequest, HttpServletResponse, Principal)}:
 *     asks the RoleMapper, renews the session when {@code invalidate.session.on.login} is set and the user is not the
 *     one already in it (the real one copies the old session's attributes through a SessionInvalidator), then puts the
 *     principal in the session.</li>
 * <li>{@code protected Principal getUserFromSession(HttpServletRequest)},
 *     {@code protected void putPrincipalInSessionContext(HttpServletRequest, Principal)},
 *     {@code protected boolean isPrincipalAlreadyInSessionContext(HttpServletRequest, Principal)},
 *     {@code protected Principal refreshPrincipalObtainedFromSession(HttpServletRequest, Principal)},
 *     {@code protected RoleMapper getRoleMapper()}.</li>
 * <li>The session keys {@code LOGGED_IN_KEY = "seraph_defaultauthenticator_user"},
 *     {@code LOGGED_IN_USER_ID_KEY = "seraph_defaultauthenticator_user_id"} and
 *     {@code LOGGED_OUT_KEY = "seraph_defaultauthenticator_logged_out_user"}.</li>
 * </ul>
 * {@link #CANNOT_LOG_IN} is the tests' handle on the RoleMapper (the real one is
 * {@code SecurityConfigFactory.getInstance().getRoleMapper()}).
 */
public abstract class DefaultAuthenticator extends AbstractAuthenticator {
    private static final long serialVersionUID = 1L;

    public static final String LOGGED_IN_KEY = "seraph_defaultauthenticator_user";
    public static final String LOGGED_IN_USER_ID_KEY = "seraph_defaultauthenticator_user_id";
    public static final String LOGGED_OUT_KEY = "seraph_defaultauthenticator_logged_out_user";

    /** Test handle: names the RoleMapper refuses (no application access). */
    public static final Set<String> CANNOT_LOG_IN = ConcurrentHashMap.newKeySet();

    @Override
    public void init(Map<String, String> params, com.atlassian.seraph.config.SecurityConfig config) {
        super.init(params, config);
    }

    protected abstract Principal getUser(String username);

    protected abstract boolean authenticate(Principal user, String password) throws AuthenticatorException;

    @Override
    public Principal getUser(HttpServletRequest request, HttpServletResponse response) {
        HttpSession session = request.getSession(false);
        if (session != null) {
            Principal sessionUser = getUserFromSession(request);
            if (sessionUser != null) return sessionUser;
        }
        String header = request.getHeader("Authorization");
        if (header != null && header.regionMatches(true, 0, "Basic ", 0, 6)) {
            String decoded = new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
            int colon = decoded.indexOf(':');
            if (colon > 0) {
                String name = decoded.substring(0, colon);
                try {
                    if (login(request, response, name, decoded.substring(colon + 1))) return getUser(name);
                } catch (AuthenticatorException e) {
                    return null;
                }
            }
        }
        return null;
    }

    /** Real: {@code public boolean login(HttpServletRequest, HttpServletResponse, String, String)} (no remember-me cookie). */
    public boolean login(HttpServletRequest request, HttpServletResponse response, String username, String password)
            throws AuthenticatorException {
        Principal candidate = () -> username;
        if (!authenticate(candidate, password)) return false;
        Principal user = getUser(username);
        return user != null && authoriseUserAndEstablishSession(request, response, user);
    }

    protected boolean authoriseUserAndEstablishSession(HttpServletRequest request, HttpServletResponse response, Principal principal) {
        boolean already = isPrincipalAlreadyInSessionContext(request, principal);
        putPrincipalInSessionContext(request, null);
        if (!getRoleMapper().canLogin(principal, request)) return false;
        if (!already && getConfig() != null && getConfig().isInvalidateSessionOnLogin()) {
            request.getSession().invalidate();
        }
        putPrincipalInSessionContext(request, principal);
        return true;
    }

    protected RoleMapper getRoleMapper() {
        return (user, request) -> !CANNOT_LOG_IN.contains(user.getName());
    }

    protected void putPrincipalInSessionContext(HttpServletRequest request, Principal principal) {
        HttpSession session = request.getSession();
        session.setAttribute(LOGGED_IN_KEY, principal);
        session.setAttribute(LOGGED_IN_USER_ID_KEY, principal == null ? null : principal.getName());
        session.setAttribute(LOGGED_OUT_KEY, null);
    }

    protected boolean isPrincipalAlreadyInSessionContext(HttpServletRequest request, Principal principal) {
        if (principal == null) return false;
        Object name = request.getSession().getAttribute(LOGGED_IN_USER_ID_KEY);
        return principal.getName().equals(name);
    }

    protected Principal getUserFromSession(HttpServletRequest request) {
        HttpSession session = request.getSession();
        if (session.getAttribute(LOGGED_OUT_KEY) != null) return null;
        Object name = session.getAttribute(LOGGED_IN_USER_ID_KEY);
        if (!(name instanceof String)) return null;
        return refreshPrincipalObtainedFromSession(request, getUser((String) name));
    }

    protected Principal refreshPrincipalObtainedFromSession(HttpServletRequest request, Principal principal) {
        if (principal != null) putPrincipalInSessionContext(request, principal);
        return principal;
    }
}
