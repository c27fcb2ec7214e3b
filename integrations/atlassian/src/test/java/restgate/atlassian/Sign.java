package restgate.atlassian;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** A test-side signer of v2 assertions, so the Java tests can make any assertion, good or bad. */
final class Sign {
    private Sign() {
    }

    static String assertion(byte[] key, String user, String authMethod, long ts, String nonce, String httpMethod, String target) {
        String encoded = URLEncoder.encode(user, StandardCharsets.UTF_8).replace("+", "%20");
        String payload = "v2;user=" + encoded + ";method=" + authMethod + ";ts=" + ts + ";nonce=" + nonce;
        byte[] sig = AssertionVerifier.hmac(key, AssertionVerifier.signedBytes(payload, httpMethod, target));
        return payload + ";sig=" + Base64.getUrlEncoder().withoutPadding().encodeToString(sig);
    }

    private static long counter;

    static synchronized String nonce() {
        return String.format("n%015d", ++counter);
    }
}
