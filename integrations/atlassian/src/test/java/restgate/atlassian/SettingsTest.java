package restgate.atlassian;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SettingsTest {
    @Test
    void defaults() throws Exception {
        Settings s = Settings.parse(Map.of(Settings.KEY_FILE, "/k", Settings.ADDRESSES, "10.0.0.5"));
        assertEquals(30_000, s.maxAgeMs);
        assertEquals(5_000, s.maxFutureMs);
        assertEquals("X-Restgate-Assertion", s.header);
        assertEquals(1, s.keyFiles.size());
    }

    @Test
    void everyProblemIsReportedAtOnce() {
        Settings.Invalid e = assertThrows(Settings.Invalid.class, () -> Settings.parse(Map.of(
                Settings.MAX_AGE, "0",
                Settings.MAX_FUTURE, "abc",
                Settings.HEADER, "X Bad",
                "restgate.keyfile", "/typo")));
        List<String> p = e.problems;
        assertEquals(6, p.size(), p.toString());
        assertEquals(true, p.get(0).startsWith("restgate.keyfile: unknown parameter"), p.get(0));
        assertEquals(true, p.stream().anyMatch(x -> x.startsWith("restgate.keyFile: required")));
        assertEquals(true, p.stream().anyMatch(x -> x.startsWith("restgate.addresses: required")));
        assertEquals(true, p.stream().anyMatch(x -> x.startsWith("restgate.maxAgeSeconds: '0' must be")));
        assertEquals(true, p.stream().anyMatch(x -> x.startsWith("restgate.maxFutureSeconds: 'abc' must be")));
        assertEquals(true, p.stream().anyMatch(x -> x.startsWith("restgate.header: 'X Bad' is not a header name")));
    }

    @Test
    void addressesMustBeLiterals() {
        Settings.Invalid e = assertThrows(Settings.Invalid.class,
                () -> Settings.parse(Map.of(Settings.KEY_FILE, "/k", Settings.ADDRESSES, "10.0.0.5, restgate.example.com")));
        assertEquals(List.of("restgate.addresses: 'restgate.example.com' is not an IP address or CIDR block"), e.problems);
        e = assertThrows(Settings.Invalid.class, () -> Settings.parse(Map.of(Settings.KEY_FILE, "/k", Settings.ADDRESSES, "10.0.0.0/33")));
        assertEquals(List.of("restgate.addresses: '10.0.0.0/33' has a prefix length outside 0-32"), e.problems);
    }

    @Test
    void otherParametersAreNotOurs() throws Exception {
        Settings.parse(Map.of(Settings.KEY_FILE, "/k", Settings.ADDRESSES, "::1", "login.url", "/login.jsp"));
    }
}
