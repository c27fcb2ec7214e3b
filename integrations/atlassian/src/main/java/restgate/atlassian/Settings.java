package restgate.atlassian;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The authenticator's init-params from seraph-config.xml, checked once: every problem is collected, so one look
 * at the log says everything that is wrong. Invalid settings switch assertion login off (fail closed); the
 * product then authenticates exactly as with its stock authenticator.
 */
final class Settings {
    static final String KEY_FILE = "restgate.keyFile";
    static final String PREVIOUS_KEY_FILE = "restgate.previousKeyFile";
    static final String ADDRESSES = "restgate.addresses";
    static final String MAX_AGE = "restgate.maxAgeSeconds";
    static final String MAX_FUTURE = "restgate.maxFutureSeconds";
    static final String HEADER = "restgate.header";
    static final Set<String> NAMES = Set.of(KEY_FILE, PREVIOUS_KEY_FILE, ADDRESSES, MAX_AGE, MAX_FUTURE, HEADER);

    static final String DEFAULT_HEADER = "X-Restgate-Assertion";
    static final int DEFAULT_MAX_AGE_SECONDS = 30;
    static final int DEFAULT_MAX_FUTURE_SECONDS = 5;

    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");

    final List<Path> keyFiles;
    final AddressSet addresses;
    final long maxAgeMs;
    final long maxFutureMs;
    final String header;

    private Settings(List<Path> keyFiles, AddressSet addresses, long maxAgeMs, long maxFutureMs, String header) {
        this.keyFiles = keyFiles;
        this.addresses = addresses;
        this.maxAgeMs = maxAgeMs;
        this.maxFutureMs = maxFutureMs;
        this.header = header;
    }

    static final class Invalid extends Exception {
        private static final long serialVersionUID = 1L;
        final List<String> problems;

        Invalid(List<String> problems) {
            super(String.join("; ", problems));
            this.problems = List.copyOf(problems);
        }
    }

    static Settings parse(Map<String, String> params) throws Invalid {
        List<String> problems = new ArrayList<>();
        Map<String, String> p = params == null ? Map.of() : params;
        for (String name : new TreeSet<>(p.keySet())) {
            if (name.startsWith("restgate.") && !NAMES.contains(name)) {
                problems.add(name + ": unknown parameter (known: " + String.join(", ", new TreeSet<>(NAMES)) + ")");
            }
        }
        List<Path> keyFiles = new ArrayList<>();
        String key = trimmed(p.get(KEY_FILE));
        if (key == null) problems.add(KEY_FILE + ": required (the file restgate's identity.signing.keyFile names, same bytes)");
        else keyFiles.add(Path.of(key));
        String previous = trimmed(p.get(PREVIOUS_KEY_FILE));
        if (previous != null) keyFiles.add(Path.of(previous));

        AddressSet addresses = null;
        String list = trimmed(p.get(ADDRESSES));
        if (list == null) {
            problems.add(ADDRESSES + ": required (the IP addresses or CIDR blocks restgate connects from)");
        } else {
            try {
                addresses = AddressSet.parse(list);
            } catch (IllegalArgumentException e) {
                problems.add(ADDRESSES + ": " + e.getMessage());
            }
        }
        long maxAge = seconds(p, MAX_AGE, DEFAULT_MAX_AGE_SECONDS, 1, 300, problems);
        long maxFuture = seconds(p, MAX_FUTURE, DEFAULT_MAX_FUTURE_SECONDS, 0, 60, problems);
        String header = trimmed(p.get(HEADER));
        if (header == null) header = DEFAULT_HEADER;
        else if (!TOKEN.matcher(header).matches()) problems.add(HEADER + ": '" + header + "' is not a header name");

        if (!problems.isEmpty()) throw new Invalid(problems);
        return new Settings(List.copyOf(keyFiles), addresses, maxAge * 1000, maxFuture * 1000, header);
    }

    private static long seconds(Map<String, String> p, String name, int fallback, int min, int max, List<String> problems) {
        String value = trimmed(p.get(name));
        if (value == null) return fallback;
        if (!value.matches("\\d{1,4}") || Integer.parseInt(value) < min || Integer.parseInt(value) > max) {
            problems.add(name + ": '" + value + "' must be a whole number of seconds from " + min + " to " + max);
            return fallback;
        }
        return Integer.parseInt(value);
    }

    private static String trimmed(String s) {
        if (s == null) return null;
        String t = s.trim();
        return t.isEmpty() ? null : t;
    }
}
