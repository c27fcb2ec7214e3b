package com.atlassian.jira.security.login;

import com.atlassian.seraph.auth.DefaultAuthenticator;
import java.security.Principal;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Test-only stand-in for Jira's {@code com.atlassian.jira.security.login.JiraSeraphAuthenticator extends
 * DefaultAuthenticator}, the authenticator named in Jira's stock {@code seraph-config.xml}. Mirrored:
 * {@code protected Principal getUser(String username)} (real: {@code ComponentAccessor.getUserManager().getUserByName},
 * which ignores case and returns the user's own spelling) and
 * {@code protected boolean authenticate(Principal user, String password) throws AuthenticatorException}
 * (real: Crowd's {@code CrowdService.authenticate}). {@link #USERS} stands for Jira's user directory in tests.
 */
public class JiraSeraphAuthenticator extends DefaultAuthenticator {
    private static final long serialVersionUID = 1L;

    /** Test handle: lower-cased name to [name as stored, password]. */
    public static final Map<String, String[]> USERS = new ConcurrentHashMap<>();

    @Override
    protected Principal getUser(String username) {
        String[] user = username == null ? null : USERS.get(username.toLowerCase(Locale.ENGLISH));
        if (user == null) return null;
        String name = user[0];
        return new JiraUser(name);
    }

    @Override
    protected boolean authenticate(Principal user, String password) {
        String[] known = USERS.get(user.getName().toLowerCase(Locale.ENGLISH));
        return known != null && known[1].equals(password);
    }

    /** Real: {@code com.atlassian.jira.user.ApplicationUser}, which is a Principal. */
    public static final class JiraUser implements Principal {
        private final String name;

        JiraUser(String name) {
            this.name = name;
        }

        @Override
        public String getName() {
            return name;
        }

        @Override
        public String toString() {
            return "JiraUser(" + name + ")";
        }
    }
}
