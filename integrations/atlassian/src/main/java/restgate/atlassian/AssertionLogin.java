package restgate.atlassian;

import java.security.Principal;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongSupplier;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import javax.servlet.http.HttpSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The login rules both authenticators share:
 * <ul>
 * <li>no valid assertion (absent, bad, old, replayed, from an address that is not restgate's, settings invalid):
 *     the product's own authenticator decides, exactly as if this one were not installed;</li>
 * <li>a valid assertion: its user, and only its user. A session that already holds that user is kept; a session of
 *     anyone else is ended (invalidated), never reused, so a cookie jar shared by two identities cannot mix them;</li>
 * <li>a user the product does not know, or may not log in (no application access): anonymous.</li>
 * </ul>
 * X-Forwarded-User is never read: it is a hint for logs, not a credential.
 */
final class AssertionLogin {
    /** What the product's authenticator provides: its protected methods, passed in by the subclass. */
    interface Product {
        /** DefaultAuthenticator.getUser(String): the user of that name, or null. */
        Principal lookUp(String name);

        /** DefaultAuthenticator.getUserFromSession(HttpServletRequest). */
        Principal sessionUser(HttpServletRequest request);

        /** DefaultAuthenticator.authoriseUserAndEstablishSession(...): false when the user may not log in. */
        boolean establish(HttpServletRequest request, HttpServletResponse response, Principal user);

        /** The product authenticator's own getUser(request, response). */
        Principal withoutAssertion(HttpServletRequest request, HttpServletResponse response);
    }

    /** Seraph's session keys (DefaultAuthenticator.LOGGED_IN_USER_ID_KEY and LOGGED_IN_KEY). */
    static final String SESSION_USER_ID = "seraph_defaultauthenticator_user_id";
    static final String SESSION_USER = "seraph_defaultauthenticator_user";
    /** The verdict of this request, so the nonce is spent once however often Seraph asks for the user. */
    static final String VERDICT_ATTRIBUTE = AssertionLogin.class.getName() + ".verdict";
    private static final String FORWARD_URI = "javax.servlet.forward.request_uri";
    private static final String FORWARD_QUERY = "javax.servlet.forward.query_string";

    private static final Logger LOG = LoggerFactory.getLogger(AssertionLogin.class);

    private final String product;
    private final LongSupplier clock;
    private final WarnLimit warnings;
    private volatile AssertionVerifier verifier;

    AssertionLogin(String product, LongSupplier clock) {
        this.product = product;
        this.clock = clock;
        this.warnings = new WarnLimit(20, 60_000);
    }

    /** Reads the seraph-config.xml parameters; on any problem assertion login stays off and says why. */
    void configure(Map<String, String> params) {
        try {
            Settings s = Settings.parse(params);
            verifier = AssertionVerifier.create(s, clock.getAsLong());
            LOG.info("restgate assertion login for {} is on: header {}, key files {}, restgate addresses {}, window {} s back and {} s ahead",
                    product, s.header, s.keyFiles, s.addresses, s.maxAgeMs / 1000, s.maxFutureMs / 1000);
        } catch (Settings.Invalid e) {
            verifier = null;
            LOG.error("restgate assertion login for {} is OFF, requests are authenticated as without it: {}", product, e.getMessage());
        }
    }

    Principal getUser(Product p, HttpServletRequest request, HttpServletResponse response) {
        Verdict verdict = verdictOf(request);
        if (!verdict.valid()) return p.withoutAssertion(request, response);

        String name = verdict.user();
        HttpSession session = request.getSession(false);
        String sessionName = loggedInName(session);
        Principal user = p.lookUp(name);
        if (user == null) {
            if (sessionName != null) end(session, sessionName, name);
            warn("restgate vouches for '{}' ({}), but {} has no such user: the request stays anonymous", name, verdict.method(), product);
            return null;
        }
        if (sessionName != null) {
            if (sameUser(sessionName, user.getName())) {
                Principal current = p.sessionUser(request);
                if (current != null && sameUser(current.getName(), user.getName())) return current;
            } else {
                end(session, sessionName, user.getName());
            }
        }
        if (p.establish(request, response, user)) {
            LOG.debug("{} logged in '{}' ({}) on restgate's assertion", product, user.getName(), verdict.method());
            return user;
        }
        warn("restgate vouches for '{}' ({}), but {} does not let this user log in (no application access?): anonymous",
                user.getName(), verdict.method(), product);
        return null;
    }

    private Verdict verdictOf(HttpServletRequest request) {
        Object memo = request.getAttribute(VERDICT_ATTRIBUTE);
        if (memo instanceof Verdict) return (Verdict) memo;
        AssertionVerifier v = verifier;
        Verdict verdict;
        if (v == null) {
            verdict = Verdict.of(request.getHeader(Settings.DEFAULT_HEADER) == null ? Outcome.ABSENT : Outcome.NOT_CONFIGURED);
        } else {
            List<String> values = Collections.list(request.getHeaders(v.header()));
            verdict = v.verify(values, request.getRemoteAddr(), request.getMethod(), target(request), clock.getAsLong());
        }
        request.setAttribute(VERDICT_ATTRIBUTE, verdict);
        if (verdict.outcome() != Outcome.VALID && verdict.outcome() != Outcome.ABSENT) {
            warn("restgate assertion refused ({}) from {} for {} {}: authenticating as without it",
                    verdict.outcome().reason(), request.getRemoteAddr(), request.getMethod(), request.getRequestURI());
        }
        return verdict;
    }

    /** The request line as the client (restgate) sent it, also when Seraph runs on a forwarded dispatch. */
    static String target(HttpServletRequest request) {
        Object forwarded = request.getAttribute(FORWARD_URI);
        String uri;
        String query;
        if (forwarded instanceof String) {
            uri = (String) forwarded;
            Object q = request.getAttribute(FORWARD_QUERY);
            query = q instanceof String ? (String) q : null;
        } else {
            uri = request.getRequestURI();
            query = request.getQueryString();
        }
        return query == null || query.isEmpty() ? uri : uri + "?" + query;
    }

    private static String loggedInName(HttpSession session) {
        if (session == null) return null;
        try {
            Object id = session.getAttribute(SESSION_USER_ID);
            if (id instanceof String && !((String) id).isEmpty()) return (String) id;
            Object principal = session.getAttribute(SESSION_USER);
            return principal instanceof Principal ? ((Principal) principal).getName() : null;
        } catch (IllegalStateException invalidated) {
            return null;
        }
    }

    private void end(HttpSession session, String had, String now) {
        try {
            session.invalidate();
        } catch (IllegalStateException alreadyInvalid) {
            return;
        }
        LOG.info("{}: ended a session of '{}' because restgate vouches for '{}' on this request", product, had, now);
    }

    /** Jira and Confluence user names ignore case (they compare them lower-cased in English). */
    private static boolean sameUser(String a, String b) {
        return a.toLowerCase(Locale.ENGLISH).equals(b.toLowerCase(Locale.ENGLISH));
    }

    private void warn(String format, Object... args) {
        long suppressed = warnings.take(clock.getAsLong());
        if (suppressed < 0) return;
        if (suppressed > 0) LOG.warn("({} similar warnings suppressed in the last minute)", suppressed);
        LOG.warn(format, args);
    }
}
