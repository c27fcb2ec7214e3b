package restgate.atlassian;

import java.io.ByteArrayOutputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Checks restgate's X-Restgate-Assertion (format in restgate's src/upstream/assertion.ts):
 * <pre>v2;user=&lt;percent-encoded&gt;;method=&lt;auth method&gt;;ts=&lt;ms&gt;;nonce=&lt;n&gt;;sig=&lt;base64url HMAC-SHA-256&gt;</pre>
 * where sig covers {@code <everything before ";sig=">\n<HTTP method>\n<path and query>} of the request as received.
 * Pure apart from the key files and the nonce cache it is given; the clock is an argument.
 */
public final class AssertionVerifier {
    static final int MAX_VALUE_CHARS = 4096;
    private static final Pattern FORMAT = Pattern.compile(
            "v2;user=([A-Za-z0-9%!'()*._~-]{1,1024});method=([a-z]{1,32});ts=([0-9]{1,15});nonce=([A-Za-z0-9_-]{16,64});sig=([A-Za-z0-9_-]{43})");
    /** Enough for several thousand requests a second on one node over the default 35 s window. */
    static final int NONCE_CAPACITY = 250_000;

    private final Settings settings;
    private final KeyRing keys;
    private final NonceCache nonces;

    AssertionVerifier(Settings settings, KeyRing keys, NonceCache nonces) {
        this.settings = settings;
        this.keys = keys;
        this.nonces = nonces;
    }

    static AssertionVerifier create(Settings settings, long now) {
        return new AssertionVerifier(settings, new KeyRing(settings.keyFiles, now), new NonceCache(NONCE_CAPACITY));
    }

    String header() {
        return settings.header;
    }

    /**
     * @param values every value of the assertion header in the request
     * @param peer   the TCP peer's address (getRemoteAddr)
     * @param method the request's HTTP method
     * @param target the request's path and query as received ("/rest/api/2/issue/X-1?fields=summary")
     */
    public Verdict verify(List<String> values, String peer, String method, String target, long now) {
        if (values.isEmpty()) return Verdict.of(Outcome.ABSENT);
        if (!settings.addresses.contains(peer)) return Verdict.of(Outcome.UNTRUSTED_PEER);
        // Two copies, or two folded into one value by a proxy on the way: never pick one.
        if (values.size() > 1 || values.get(0).indexOf(',') >= 0) return Verdict.of(Outcome.SEVERAL);
        String value = values.get(0);
        if (value.length() > MAX_VALUE_CHARS) return Verdict.of(Outcome.MALFORMED);
        Matcher m = FORMAT.matcher(value);
        if (!m.matches()) return Verdict.of(Outcome.MALFORMED);

        List<byte[]> ring = keys.keys(now);
        if (ring.isEmpty()) return Verdict.of(Outcome.NO_KEY);
        byte[] got = Base64.getUrlDecoder().decode(m.group(5));
        byte[] signed = signedBytes(value.substring(0, value.lastIndexOf(";sig=")), method, target);
        boolean match = false;
        for (byte[] key : ring) {
            // Constant time: how much of a forged signature matched must not show in the response time.
            match |= MessageDigest.isEqual(hmac(key, signed), got);
        }
        if (!match) return Verdict.of(Outcome.BAD_SIGNATURE);

        long ts = Long.parseLong(m.group(3));
        if (now - ts > settings.maxAgeMs) return Verdict.of(Outcome.EXPIRED);
        if (ts - now > settings.maxFutureMs) return Verdict.of(Outcome.FUTURE);
        String user = decodeUser(m.group(1));
        if (user == null) return Verdict.of(Outcome.MALFORMED);
        switch (nonces.use(m.group(4), ts + settings.maxAgeMs + 1, now)) {
            case REPLAY:
                return Verdict.of(Outcome.REPLAYED);
            case FULL:
                return Verdict.of(Outcome.REPLAY_CACHE_FULL);
            default:
                return new Verdict(Outcome.VALID, user, m.group(2));
        }
    }

    /** What restgate signs; an empty query counts as none, as it does there. */
    static byte[] signedBytes(String payload, String method, String target) {
        String t = target.endsWith("?") ? target.substring(0, target.length() - 1) : target;
        return (payload + "\n" + method + "\n" + t).getBytes(StandardCharsets.ISO_8859_1);
    }

    static byte[] hmac(byte[] key, byte[] data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data);
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 is part of every Java runtime", e);
        }
    }

    /** Strict percent-decoding as UTF-8; null for a bad escape, bad UTF-8 or a control character. */
    static String decodeUser(String encoded) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(encoded.length());
        for (int i = 0; i < encoded.length(); i++) {
            char c = encoded.charAt(i);
            if (c != '%') {
                out.write(c);
                continue;
            }
            if (i + 2 >= encoded.length()) return null;
            int hi = Character.digit(encoded.charAt(i + 1), 16);
            int lo = Character.digit(encoded.charAt(i + 2), 16);
            if (hi < 0 || lo < 0) return null;
            out.write(hi * 16 + lo);
            i += 2;
        }
        String user;
        try {
            user = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(out.toByteArray()))
                    .toString();
        } catch (CharacterCodingException e) {
            return null;
        }
        for (int i = 0; i < user.length(); i++) {
            if (Character.isISOControl(user.charAt(i))) return null;
        }
        return user;
    }
}
