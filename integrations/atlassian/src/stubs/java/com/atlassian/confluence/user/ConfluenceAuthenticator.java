package com.atlassian.confluence.user;

import com.atlassian.seraph.auth.DefaultAuthenticator;
import java.security.Principal;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;

/**
 * Test-only stand-in for Confluence's {@code com.atlassian.confluence.user.ConfluenceAuthenticator extends
 * DefaultAuthenticator}, the authenticator in Confluence's stock {@code seraph-config.xml}. Mirrored, with the real
 * signatures: {@code protected ConfluenceUser getUser(String uid)} (a covariant return: real code is
 * {@code getUserAccessor().getUserByName(uid)}), {@code protected boolean authenticate(Principal, String)}, and
 * {@code protected boolean authoriseUserAndEstablishSession(HttpServletRequest, HttpServletResponse, Principal)},
 * which in the real class publishes a LoginEvent after a successful login; {@link #LOGINS} counts those here.
 */
public class ConfluenceAuthenticator extends DefaultAuthenticator {
    private static final long serialVersionUID = 1L;

    /** Test handle: lower-cased name to [name as stored, password]. */
    public static final Map<String, String[]> USERS = new ConcurrentHashMap<>();
    /** Test handle: one entry per LoginEvent the real class would publish. */
    public static final java.util.List<String> LOGINS = new java.util.concurrent.CopyOnWriteArrayList<>();

    @Override
    protected ConfluenceUser getUser(String uid) {
        String[] user = uid == null ? null : USERS.get(uid.toLowerCase(Locale.ENGLISH));
        if (user == null) return null;
        String name = user[0];
        return () -> name;
    }

    @Override
    protected boolean authenticate(Principal user, String password) {
        String[] known = USERS.get(user.getName().toLowerCase(Locale.ENGLISH));
        return known != null && known[1].equals(password);
    }

    @Override
    protected boolean authoriseUserAndEstablishSession(HttpServletRequest request, HttpServletResponse response, Principal principal) {
        boolean result = super.authoriseUserAndEstablishSession(request, response, principal);
        if (result) LOGINS.add(principal.getName());
        return result;
    }
}
