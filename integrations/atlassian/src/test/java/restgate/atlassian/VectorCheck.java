package restgate.atlassian;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Runs restgate's shared test vectors (written by its TypeScript signer, test/integrations/atlassian.test.ts)
 * through the verifier and prints one verdict per vector: {@code name TAB OUTCOME TAB user}.
 * Input lines: {@code name TAB now TAB peer TAB method TAB target [TAB header value]...}; vectors run in order on
 * one verifier, so a vector that repeats an earlier assertion is a replay.
 * Usage: VectorCheck KEY_FILE ADDRESSES VECTORS_FILE
 */
public final class VectorCheck {
    private VectorCheck() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: VectorCheck KEY_FILE ADDRESSES VECTORS_FILE");
            System.exit(2);
        }
        List<String> lines = Files.readAllLines(Path.of(args[2]), StandardCharsets.ISO_8859_1);
        AssertionVerifier verifier = null;
        StringBuilder out = new StringBuilder();
        for (String line : lines) {
            if (line.isEmpty()) continue;
            String[] f = line.split("\t", -1);
            long now = Long.parseLong(f[1]);
            if (verifier == null) {
                verifier = AssertionVerifier.create(Settings.parse(Map.of(Settings.KEY_FILE, args[0], Settings.ADDRESSES, args[1])), now);
            }
            List<String> values = Arrays.asList(f).subList(5, f.length);
            Verdict v = verifier.verify(values, f[2], f[3], f[4], now);
            out.append(f[0]).append('\t').append(v.outcome()).append('\t').append(v.user() == null ? "" : v.user()).append('\n');
        }
        System.out.write(out.toString().getBytes(StandardCharsets.UTF_8));
        System.out.flush();
    }
}
