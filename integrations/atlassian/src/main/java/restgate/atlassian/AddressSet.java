package restgate.atlassian;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The addresses restgate connects from (restgate.addresses): IPv4 and IPv6 literals and CIDR blocks. Only literals
 * are accepted, so parsing never asks DNS and a name cannot be made to point elsewhere later. IPv4-mapped IPv6
 * peers (::ffff:10.0.0.5) match their IPv4 form.
 */
final class AddressSet {
    private static final Pattern IPV4 = Pattern.compile("(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
    // Starts with a hex digit or ':' and holds a ':': InetAddress then parses it as a literal or fails, never looks it up.
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:][0-9A-Fa-f.]*:[0-9A-Fa-f:.]*");

    private static final class Block {
        final byte[] network;
        final int prefix;

        Block(byte[] network, int prefix) {
            this.network = network;
            this.prefix = prefix;
        }
    }

    private final List<Block> blocks;
    private final String text;

    private AddressSet(List<Block> blocks, String text) {
        this.blocks = blocks;
        this.text = text;
    }

    /** Parses a comma- or space-separated list; throws with the offending entry. */
    static AddressSet parse(String list) {
        List<Block> blocks = new ArrayList<>();
        for (String entry : list.trim().split("[\\s,]+")) {
            if (entry.isEmpty()) continue;
            int slash = entry.indexOf('/');
            byte[] address = literal(slash < 0 ? entry : entry.substring(0, slash));
            if (address == null) throw new IllegalArgumentException("'" + entry + "' is not an IP address or CIDR block");
            int max = address.length * 8;
            int prefix = max;
            if (slash >= 0) {
                String bits = entry.substring(slash + 1);
                if (!bits.matches("\\d{1,3}") || Integer.parseInt(bits) > max) {
                    throw new IllegalArgumentException("'" + entry + "' has a prefix length outside 0-" + max);
                }
                prefix = Integer.parseInt(bits);
            }
            blocks.add(new Block(address, prefix));
        }
        if (blocks.isEmpty()) throw new IllegalArgumentException("lists no address");
        return new AddressSet(List.copyOf(blocks), list.trim());
    }

    boolean contains(String peer) {
        if (peer == null) return false;
        byte[] address = literal(peer);
        if (address == null) return false;
        for (Block b : blocks) {
            if (b.network.length == address.length && matches(b, address)) return true;
        }
        return false;
    }

    private static boolean matches(Block b, byte[] address) {
        int whole = b.prefix / 8;
        for (int i = 0; i < whole; i++) {
            if (b.network[i] != address[i]) return false;
        }
        int rest = b.prefix % 8;
        if (rest == 0) return true;
        int mask = (0xff << (8 - rest)) & 0xff;
        return (b.network[whole] & mask) == (address[whole] & mask);
    }

    /** The address bytes (4 or 16) of a literal, or null; a zone id (%eth0) is ignored. */
    static byte[] literal(String s) {
        String text = s.trim();
        if (text.startsWith("[") && text.endsWith("]")) text = text.substring(1, text.length() - 1);
        int zone = text.indexOf('%');
        if (zone >= 0) text = text.substring(0, zone);
        if (!IPV4.matcher(text).matches() && !IPV6.matcher(text).matches()) return null;
        try {
            // A literal: InetAddress parses it without any name lookup.
            return InetAddress.getByName(text).getAddress();
        } catch (UnknownHostException | SecurityException e) {
            return null;
        }
    }

    @Override
    public String toString() {
        return text;
    }
}
