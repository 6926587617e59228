package dev.kfit.host;

import java.util.List;

/** Reads /proc/net/tcp: is something listening on an IPv4 address and port? Shared by local and SSH hosts. */
public final class ProcNetTcp {
    private ProcNetTcp() {
    }

    /** The kernel writes the address as little-endian hex: 127.0.0.1:22 is 0100007F:0016. State 0A is LISTEN. */
    public static boolean listening(List<String> lines, String address, int port) {
        String exact = hex(address) + String.format(":%04X", port);
        String any = "00000000" + String.format(":%04X", port);
        for (String line : lines) {
            String[] f = line.trim().split("\\s+");
            if (f.length > 3 && (f[1].equals(exact) || f[1].equals(any)) && f[3].equals("0A")) {
                return true;
            }
        }
        return false;
    }

    static String hex(String ipv4) {
        String[] p = ipv4.split("\\.");
        if (p.length != 4) {
            throw new IllegalArgumentException("not an IPv4 address: " + ipv4);
        }
        StringBuilder b = new StringBuilder();
        for (int i = 3; i >= 0; i--) {
            b.append(String.format("%02X", Integer.parseInt(p[i])));
        }
        return b.toString();
    }
}
