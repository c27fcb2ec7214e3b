package restgate.atlassian;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AssertionVerifierTest {
    static final long NOW = 1_700_000_000_000L;
    static final String PEER = "10.1.2.3";
    static final String GET = "GET";
    static final String TARGET = "/rest/api/2/issue/X-1?fields=summary";

    @TempDir
    Path dir;
    byte[] key;
    Path keyFile;
    AssertionVerifier verifier;

    @BeforeEach
    void setUp() throws Exception {
        key = bytes(32, 1);
        keyFile = dir.resolve("assertion.key");
        Files.write(keyFile, key);
        verifier = verifier(Map.of());
    }

    AssertionVerifier verifier(Map<String, String> extra) throws Settings.Invalid {
        Map<String, String> params = new java.util.HashMap<>(Map.of(
                Settings.KEY_FILE, keyFile.toString(),
                Settings.ADDRESSES, "10.1.0.0/16, 192.0.2.7, fd00::/8"));
        params.putAll(extra);
        return AssertionVerifier.create(Settings.parse(params), NOW);
    }

    static byte[] bytes(int n, int fill) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) fill);
        return b;
    }

    String signed(String user) {
        return Sign.assertion(key, user, "token", NOW, Sign.nonce(), GET, TARGET);
    }

    Verdict check(String value) {
        return verifier.verify(List.of(value), PEER, GET, TARGET, NOW);
    }

    @Test
    void validAssertionNamesItsUserAndMethod() {
        Verdict v = check(signed("alice"));
        assertEquals(Outcome.VALID, v.outcome());
        assertEquals("alice", v.user());
        assertEquals("token", v.method());
    }

    @Test
    void userNamesArePercentDecodedAsUtf8() {
        assertEquals("jöe o'neil;x=1", check(signed("jöe o'neil;x=1")).user());
    }

    @Test
    void noHeaderIsAbsent() {
        assertEquals(Outcome.ABSENT, verifier.verify(List.of(), PEER, GET, TARGET, NOW).outcome());
    }

    @Test
    void signatureBindsTheRequestLine() {
        String value = signed("alice");
        assertEquals(Outcome.BAD_SIGNATURE, verifier.verify(List.of(value), PEER, "DELETE", TARGET, NOW).outcome());
        assertEquals(Outcome.BAD_SIGNATURE, verifier.verify(List.of(value), PEER, GET, "/rest/api/2/issue/X-2?fields=summary", NOW).outcome());
        assertEquals(Outcome.BAD_SIGNATURE, verifier.verify(List.of(value), PEER, GET, "/rest/api/2/issue/X-1", NOW).outcome());
        assertEquals(Outcome.VALID, verifier.verify(List.of(value), PEER, GET, TARGET, NOW).outcome());
    }

    @Test
    void anEmptyQueryIsNoQuery() {
        String value = Sign.assertion(key, "alice", "token", NOW, Sign.nonce(), GET, "/x");
        assertEquals(Outcome.VALID, verifier.verify(List.of(value), PEER, GET, "/x?", NOW).outcome());
    }

    @Test
    void tamperedUserOrMethodBreaksTheSignature() {
        String value = signed("alice");
        assertEquals(Outcome.BAD_SIGNATURE, check(value.replace("user=alice", "user=admin")).outcome());
        assertEquals(Outcome.BAD_SIGNATURE, check(value.replace("method=token", "method=kerberos")).outcome());
    }

    @Test
    void wrongKeyIsABadSignature() {
        String value = Sign.assertion(bytes(32, 2), "alice", "token", NOW, Sign.nonce(), GET, TARGET);
        assertEquals(Outcome.BAD_SIGNATURE, check(value).outcome());
    }

    @Test
    void timeWindowBothWays() {
        String old = Sign.assertion(key, "alice", "token", NOW - 30_001, Sign.nonce(), GET, TARGET);
        String edge = Sign.assertion(key, "alice", "token", NOW - 30_000, Sign.nonce(), GET, TARGET);
        String ahead = Sign.assertion(key, "alice", "token", NOW + 5_001, Sign.nonce(), GET, TARGET);
        String slightlyAhead = Sign.assertion(key, "alice", "token", NOW + 5_000, Sign.nonce(), GET, TARGET);
        assertEquals(Outcome.EXPIRED, check(old).outcome());
        assertEquals(Outcome.VALID, check(edge).outcome());
        assertEquals(Outcome.FUTURE, check(ahead).outcome());
        assertEquals(Outcome.VALID, check(slightlyAhead).outcome());
    }

    @Test
    void windowIsConfigurable() throws Exception {
        verifier = verifier(Map.of(Settings.MAX_AGE, "5", Settings.MAX_FUTURE, "0"));
        assertEquals(Outcome.EXPIRED, check(Sign.assertion(key, "a", "token", NOW - 5_001, Sign.nonce(), GET, TARGET)).outcome());
        assertEquals(Outcome.FUTURE, check(Sign.assertion(key, "a", "token", NOW + 1, Sign.nonce(), GET, TARGET)).outcome());
    }

    @Test
    void eachAssertionIsAcceptedOnce() {
        String value = signed("alice");
        assertEquals(Outcome.VALID, check(value).outcome());
        assertEquals(Outcome.REPLAYED, check(value).outcome());
    }

    @Test
    void aForgedAssertionDoesNotSpendANonce() {
        String good = signed("alice");
        String forged = good.replace("user=alice", "user=mallory");
        assertEquals(Outcome.BAD_SIGNATURE, check(forged).outcome());
        assertEquals(Outcome.VALID, check(good).outcome());
    }

    @Test
    void severalAssertionsAreNeverPickedFrom() {
        String a = signed("alice");
        String b = signed("bob");
        assertEquals(Outcome.SEVERAL, verifier.verify(List.of(a, b), PEER, GET, TARGET, NOW).outcome());
        assertEquals(Outcome.SEVERAL, verifier.verify(List.of(a + ", " + b), PEER, GET, TARGET, NOW).outcome());
        assertEquals(Outcome.SEVERAL, verifier.verify(List.of(a, a), PEER, GET, TARGET, NOW).outcome());
    }

    @Test
    void truncatedOrOtherFormatsAreMalformed() {
        String value = signed("alice");
        assertEquals(Outcome.MALFORMED, check(value.substring(0, value.length() - 1)).outcome());
        assertEquals(Outcome.MALFORMED, check(value.substring(0, value.indexOf(";sig="))).outcome());
        assertEquals(Outcome.MALFORMED, check("v1;user=alice;method=token;ts=" + NOW + ";sig=" + "A".repeat(43)).outcome());
        assertEquals(Outcome.MALFORMED, check("").outcome());
        assertEquals(Outcome.MALFORMED, check(value + ";extra=1").outcome());
        assertEquals(Outcome.MALFORMED, check("x".repeat(AssertionVerifier.MAX_VALUE_CHARS + 1)).outcome());
    }

    @Test
    void onlyFromRestgateAddresses() {
        String value = signed("alice");
        assertEquals(Outcome.UNTRUSTED_PEER, verifier.verify(List.of(value), "10.2.0.1", GET, TARGET, NOW).outcome());
        assertEquals(Outcome.UNTRUSTED_PEER, verifier.verify(List.of(value), null, GET, TARGET, NOW).outcome());
        assertEquals(Outcome.UNTRUSTED_PEER, verifier.verify(List.of(value), "restgate.example", GET, TARGET, NOW).outcome());
        assertEquals(Outcome.VALID, verifier.verify(List.of(value), "::ffff:192.0.2.7", GET, TARGET, NOW).outcome(), "IPv4-mapped");
    }

    @Test
    void addressSets() {
        AddressSet set = AddressSet.parse("10.0.0.0/8 192.0.2.7,fd00::/8, ::1");
        assertTrue(set.contains("10.255.0.1"));
        assertFalse(set.contains("11.0.0.1"));
        assertTrue(set.contains("192.0.2.7"));
        assertFalse(set.contains("192.0.2.8"));
        assertTrue(set.contains("fd12:3456::1"));
        assertTrue(set.contains("0:0:0:0:0:0:0:1"), "Tomcat's spelling of ::1");
        assertTrue(set.contains("[::1]"));
        assertFalse(set.contains("fe80::1"));
        assertFalse(set.contains("localhost"), "names are never looked up");
        AddressSet odd = AddressSet.parse("192.0.2.0/25");
        assertTrue(odd.contains("192.0.2.127"));
        assertFalse(odd.contains("192.0.2.128"));
    }

    @Test
    void strictUserDecoding() {
        assertEquals("a b", AssertionVerifier.decodeUser("a%20b"));
        assertNull(AssertionVerifier.decodeUser("a%2"));
        assertNull(AssertionVerifier.decodeUser("a%zz"));
        assertNull(AssertionVerifier.decodeUser("%C3"), "not UTF-8");
        assertNull(AssertionVerifier.decodeUser("a%0Ab"), "control character");
    }

    @Test
    void aReplacedKeyFileIsPickedUpAndAShortOneTrustsNothing() throws IOException {
        byte[] next = bytes(48, 9);
        Files.write(keyFile, next);
        Files.setLastModifiedTime(keyFile, FileTime.fromMillis(System.currentTimeMillis() + 10_000));
        long later = NOW + KeyRing.CHECK_INTERVAL_MS;
        String oldKey = Sign.assertion(key, "alice", "token", later, Sign.nonce(), GET, TARGET);
        String newKey = Sign.assertion(next, "alice", "token", later, Sign.nonce(), GET, TARGET);
        assertEquals(Outcome.BAD_SIGNATURE, verifier.verify(List.of(oldKey), PEER, GET, TARGET, later).outcome());
        assertEquals(Outcome.VALID, verifier.verify(List.of(newKey), PEER, GET, TARGET, later).outcome());

        Files.write(keyFile, bytes(31, 3));
        long evenLater = later + KeyRing.CHECK_INTERVAL_MS;
        String shortKey = Sign.assertion(bytes(31, 3), "alice", "token", evenLater, Sign.nonce(), GET, TARGET);
        assertEquals(Outcome.NO_KEY, verifier.verify(List.of(shortKey), PEER, GET, TARGET, evenLater).outcome());
        Files.delete(keyFile);
        long gone = evenLater + KeyRing.CHECK_INTERVAL_MS;
        assertEquals(Outcome.NO_KEY, verifier.verify(List.of(Sign.assertion(next, "a", "token", gone, Sign.nonce(), GET, TARGET)), PEER, GET, TARGET, gone).outcome());
    }

    @Test
    void thePreviousKeyIsAcceptedDuringARotation() throws Exception {
        Path previous = dir.resolve("previous.key");
        byte[] old = bytes(32, 5);
        Files.write(previous, old);
        verifier = verifier(Map.of(Settings.PREVIOUS_KEY_FILE, previous.toString()));
        assertEquals(Outcome.VALID, check(Sign.assertion(old, "alice", "token", NOW, Sign.nonce(), GET, TARGET)).outcome());
        assertEquals(Outcome.VALID, check(signed("alice")).outcome());
    }

    @Test
    void aFullReplayCacheRefusesRatherThanForgets() {
        NonceCache cache = new NonceCache(2);
        assertEquals(NonceCache.Use.FIRST, cache.use("a", NOW + 10, NOW));
        assertEquals(NonceCache.Use.FIRST, cache.use("b", NOW + 10, NOW));
        assertEquals(NonceCache.Use.FULL, cache.use("c", NOW + 10, NOW));
        assertEquals(NonceCache.Use.FIRST, cache.use("c", NOW + 30, NOW + 11), "expired entries make room");
        assertEquals(NonceCache.Use.REPLAY, cache.use("c", NOW + 30, NOW + 12));
    }
}
