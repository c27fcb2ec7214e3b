package restgate.atlassian;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.atlassian.confluence.user.ConfluenceAuthenticator;
import com.atlassian.jira.security.login.JiraSeraphAuthenticator;
import com.atlassian.seraph.auth.DefaultAuthenticator;
import com.atlassian.seraph.config.SecurityConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Principal;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.logging.Level;
import javax.servlet.http.HttpServletResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;

/** The session rules, for the Jira and the Confluence authenticator alike, against the Seraph stand-ins. */
class AuthenticatorTest {
    enum Product {
        JIRA, CONFLUENCE
    }

    static final String HEADER = "X-Restgate-Assertion";

    @TempDir
    Path dir;
    byte[] key;
    Map<String, String> params;
    FakeHttp.Container container;
    HttpServletResponse response;
    LogCapture logs;

    @BeforeEach
    void setUp() throws Exception {
        key = new byte[32];
        new java.security.SecureRandom().nextBytes(key);
        Path keyFile = dir.resolve("assertion.key");
        Files.write(keyFile, key);
        params = new HashMap<>(Map.of(Settings.KEY_FILE, keyFile.toString(), Settings.ADDRESSES, "127.0.0.1, ::1"));
        container = new FakeHttp.Container();
        response = FakeHttp.response();
        logs = new LogCapture();
        for (Map<String, String[]> users : java.util.List.of(JiraSeraphAuthenticator.USERS, ConfluenceAuthenticator.USERS)) {
            users.clear();
            users.put("alice", new String[] {"alice", "pw-alice"});
            users.put("bob", new String[] {"bob", "pw-bob"});
            users.put("carol", new String[] {"carol", "pw-carol"});
        }
        DefaultAuthenticator.CANNOT_LOG_IN.clear();
        ConfluenceAuthenticator.LOGINS.clear();
    }

    @AfterEach
    void noSecretInTheLogs() {
        String text = logs.text();
        assertFalse(text.contains("v2;"), "no assertion in the logs:\n" + text);
        assertFalse(text.contains(Base64.getEncoder().encodeToString(key)), "no key in the logs");
        assertFalse(text.contains(HexFormat.of().formatHex(key)), "no key in the logs");
        assertFalse(text.contains(new String(key, StandardCharsets.ISO_8859_1)), "no key in the logs");
        assertFalse(text.contains("pw-"), "no password in the logs");
        logs.close();
    }

    DefaultAuthenticator authenticator(Product p) {
        DefaultAuthenticator a = p == Product.JIRA ? new RestgateJiraAuthenticator() : new RestgateConfluenceAuthenticator();
        a.init(params, new SecurityConfig() {
            @Override
            public boolean isInvalidateSessionOnLogin() {
                return false;
            }

            @Override
            public String getAuthType() {
                return "os_authType";
            }
        });
        return a;
    }

    FakeHttp.Request request() {
        FakeHttp.Request r = new FakeHttp.Request(container);
        r.uri = "/rest/api/2/issue/X-1";
        r.query = "fields=summary";
        return r;
    }

    /** A request restgate sends for `user`: assertion signed for its method and target. */
    FakeHttp.Request signed(String user) {
        FakeHttp.Request r = request();
        return r.header(HEADER, Sign.assertion(key, user, "kerberos", System.currentTimeMillis(), Sign.nonce(), r.method, AssertionLogin.target(r.proxy)));
    }

    static String name(Principal p) {
        return p == null ? null : p.getName();
    }

    @ParameterizedTest
    @EnumSource(Product.class)
    void aValidAssertionLogsInItsUser(Product p) {
        FakeHttp.Request r = signed("alice");
        assertEquals("alice", name(authenticator(p).getUser(r.proxy, response)));
        assertEquals("alice", r.session.user(), "the session now holds alice");
    }

    @ParameterizedTest
    @EnumSource(Product.class)
    void aSessionOfTheSameUserIsKept(Product p) {
        DefaultAuthenticator a = authenticator(p);
        FakeHttp.Request first = signed("alice");
        a.getUser(first.proxy, response);
        FakeHttp.Request second = signed("ALICE");
        second.session = first.session;
        assertEquals("alice", name(a.getUser(second.proxy, response)), "names ignore case, as in the product");
        assertSame(first.session, second.session);
        assertTrue(first.session.valid);
        assertEquals(1, container.sessions.size(), "no new session");
        if (p == Product.CONFLUENCE) assertEquals(java.util.List.of("alice"), ConfluenceAuthenticator.LOGINS, "one login event, not one per request");
    }

    @ParameterizedTest
    @EnumSource(Product.class)
    void aSessionOfAnotherUserIsEndedNotReused(Product p) {
        DefaultAuthenticator a = authenticator(p);
        FakeHttp.Request alices = signed("alice");
        a.getUser(alices.proxy, response);
        FakeHttp.Session aliceSession = alices.session;
        aliceSession.attributes.put("jira.selected.project", "SECRET");

        FakeHttp.Request bobs = signed("bob");
        bobs.session = aliceSession;
        assertEquals("bob", name(a.getUser(bobs.proxy, response)));
        assertFalse(aliceSession.valid, "alice's session is ended");
        assertNotSame(aliceSession, bobs.session);
        assertEquals("bob", bobs.session.user());
        assertNull(bobs.session.attributes.get("jira.selected.project"), "nothing of alice's session carried over");
        assertTrue(logs.has(Level.INFO, "ended a session of 'alice' because restgate vouches for 'bob'"), logs.text());

        FakeHttp.Request stale = request();
        stale.session = aliceSession;
        assertNull(a.getUser(stale.proxy, response), "alice's old cookie logs in nobody");
    }

    @ParameterizedTest
    @EnumSource(Product.class)
    void withoutAnAssertionTheStockAuthenticatorDecides(Product p) {
        DefaultAuthenticator a = authenticator(p);
        FakeHttp.Request basic = request().header("Authorization", "Basic " + Base64.getEncoder().encodeToString("bob:pw-bob".getBytes(StandardCharsets.UTF_8)));
        assertEquals("bob", name(a.getUser(basic.proxy, response)), "a password still works");
        FakeHttp.Request again = request();
        again.session = basic.session;
        assertEquals("bob", name(a.getUser(again.proxy, response)), "and its session");
        assertNull(a.getUser(request().proxy, response), "nothing: anonymous");
        assertFalse(logs.has(Level.WARNING, "refused"), "no assertion is nothing to warn about");
    }

    @ParameterizedTest
    @EnumSource(Product.class)
    void xForwardedUserAloneIsNeverEnough(Product p) {
        DefaultAuthenticator a = authenticator(p);
        assertNull(a.getUser(request().header("X-Forwarded-User", "alice").proxy, response));
        FakeHttp.Request both = signed("bob").header("X-Forwarded-User", "alice");
        assertEquals("bob", name(a.getUser(both.proxy, response)), "the assertion decides, the header is not read");
    }

    @ParameterizedTest
    @EnumSource(Product.class)
    void anInvalidAssertionIsAsIfThereWereNone(Product p) {
        DefaultAuthenticator a = authenticator(p);
        FakeHttp.Request bobs = signed("bob");
        a.getUser(bobs.proxy, response);
        byte[] other = new byte[32];
        FakeHttp.Request forged = request().header(HEADER, Sign.assertion(other, "alice", "token", System.currentTimeMillis(), Sign.nonce(), "GET", "/rest/api/2/issue/X-1?fields=summary"));
        forged.session = bobs.session;
        assertEquals("bob", name(a.getUser(forged.proxy, response)), "the session decides, as it would without this authenticator");
        assertTrue(bobs.session.valid, "and it is not ended by a forgery");
        assertTrue(logs.has(Level.WARNING, "restgate assertion refused (signature does not match"), logs.text());
    }

    @ParameterizedTest
    @EnumSource(Product.class)
    void onlyFromRestgateAddresses(Product p) {
        FakeHttp.Request r = signed("alice");
        r.remoteAddr = "10.9.9.9";
        assertNull(authenticator(p).getUser(r.proxy, response));
        assertTrue(logs.has(Level.WARNING, "not in restgate.addresses) from 10.9.9.9"), logs.text());
    }

    @ParameterizedTest
    @EnumSource(Product.class)
    void aReplayedAssertionIsRefused(Product p) {
        DefaultAuthenticator a = authenticator(p);
        FakeHttp.Request first = signed("alice");
        assertEquals("alice", name(a.getUser(first.proxy, response)));
        FakeHttp.Request replay = request().header(HEADER, first.headers.get(0)[1]);
        assertNull(a.getUser(replay.proxy, response));
        assertTrue(logs.has(Level.WARNING, "already used once"), logs.text());
    }

    @ParameterizedTest
    @EnumSource(Product.class)
    void askedSeveralTimesInOneRequestTheAnswerStays(Product p) {
        DefaultAuthenticator a = authenticator(p);
        FakeHttp.Request r = signed("alice");
        assertEquals("alice", name(a.getUser(r.proxy, response)));
        assertEquals("alice", name(a.getUser(r.proxy, response)), "not refused as a replay of itself");
        assertEquals("alice", name(a.getUser(r.proxy)), "getUser(request), as getRemoteUser calls it, with no response");
        assertEquals(1, container.sessions.size());
    }

    @ParameterizedTest
    @EnumSource(Product.class)
    void onAForwardedDispatchTheOriginalRequestLineCounts(Product p) {
        FakeHttp.Request r = signed("alice");
        r.attributes.put("javax.servlet.forward.request_uri", r.uri);
        r.attributes.put("javax.servlet.forward.query_string", r.query);
        r.uri = "/secure/views/forwarded.jsp";
        r.query = null;
        assertEquals("alice", name(authenticator(p).getUser(r.proxy, response)));
    }

    @ParameterizedTest
    @EnumSource(Product.class)
    void anUnknownUserIsAnonymousAndEndsAnotherSession(Product p) {
        DefaultAuthenticator a = authenticator(p);
        FakeHttp.Request alices = signed("alice");
        a.getUser(alices.proxy, response);
        FakeHttp.Request ghost = signed("ghost");
        ghost.session = alices.session;
        assertNull(a.getUser(ghost.proxy, response));
        assertFalse(alices.session.valid);
        assertTrue(logs.has(Level.WARNING, "has no such user"), logs.text());
    }

    @ParameterizedTest
    @EnumSource(Product.class)
    void aUserWhoMayNotLogInStaysAnonymous(Product p) {
        DefaultAuthenticator.CANNOT_LOG_IN.add("carol");
        assertNull(authenticator(p).getUser(signed("carol").proxy, response));
        assertTrue(logs.has(Level.WARNING, "does not let this user log in"), logs.text());
    }

    @ParameterizedTest
    @EnumSource(Product.class)
    void invalidSettingsTrustNoAssertion(Product p) {
        params.remove(Settings.ADDRESSES);
        DefaultAuthenticator a = authenticator(p);
        assertTrue(logs.has(Level.SEVERE, "is OFF, requests are authenticated as without it: restgate.addresses: required"), logs.text());
        assertNull(a.getUser(signed("alice").proxy, response));
        FakeHttp.Request basic = request().header("Authorization", "Basic " + Base64.getEncoder().encodeToString("bob:pw-bob".getBytes(StandardCharsets.UTF_8)));
        assertEquals("bob", name(a.getUser(basic.proxy, response)), "the product still works as without");
    }
}
