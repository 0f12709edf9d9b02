package dev.fanout.internal;

import java.net.IDN;
import java.util.Locale;

/**
 * International host names (IDN) to the ASCII form that goes on the wire: Punycode labels
 * ({@code bücher.example} becomes {@code xn--bcher-kva.example}). Every place that reads a host —
 * the validator, the private-address guard, the per-host keys, redirects, the no-proxy list,
 * progress counts — sees the ASCII form, so that one host has one name.
 *
 * <p>The conversion is the JDK's {@link IDN#toASCII(String, int)} (IDNA 2003 on Unicode 3.2) with
 * the STD3 rules on: after mapping (case folding, NFKC: full-width {@code ｅｘａｍｐｌｅ} is
 * {@code example}, {@code 。} is a dot) a label may hold only letters, digits and hyphens, so no
 * Unicode look-alike of {@code /}, {@code @} or {@code :} can reach the URL's structure. Unassigned
 * code points (anything newer than Unicode 3.2) are refused rather than guessed at. Four characters
 * map differently in IDNA 2003 and in today's browsers (UTS #46 non-transitional): {@code ß},
 * {@code ς}, zero-width joiner and non-joiner ({@code faß.de} is {@code fass.de} for one and
 * {@code xn--fa-hia.de} for the other); a host with any of them is refused, so that a request never
 * goes to a different host than a browser would send it to. The ASCII form can always be given
 * directly. ASCII hosts are returned as they are.
 */
public final class Idn {

    private Idn() {
    }

    /** Whether every character is ASCII. */
    public static boolean isAscii(CharSequence s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) >= 0x80) {
                return false;
            }
        }
        return true;
    }

    /**
     * The ASCII form of a host name.
     *
     * @param host a host name as written in a URL, without port or brackets
     * @return {@code host} itself when it is ASCII, else its lower-case Punycode form
     * @throws IllegalArgumentException when {@code host} is not a valid international host name;
     *         the message says why, without the host
     */
    public static String toAscii(String host) {
        if (isAscii(host)) {
            return host;
        }
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            if (c == '\u00df' || c == '\u03c2' || c == '\u200c' || c == '\u200d') {
                throw new IllegalArgumentException(String.format(
                        "contains U+%04X, which IDNA 2003 (the JDK) and browsers (UTS #46) map to different hosts;"
                                + " give the host in its xn-- form", (int) c));
            }
        }
        String ascii;
        try {
            ascii = IDN.toASCII(host, IDN.USE_STD3_ASCII_RULES);
        } catch (IllegalArgumentException e) {
            String reason = e.getMessage();
            if (e.getCause() != null && e.getCause().getMessage() != null) {
                reason = e.getCause().getMessage(); // the JDK wraps a ParseException: keep its words only
            }
            throw new IllegalArgumentException(reason == null ? "not a valid international host name" : reason, e);
        }
        if (ascii.isEmpty() || ascii.equals(".")) {
            throw new IllegalArgumentException("empty after IDNA mapping");
        }
        return ascii.toLowerCase(Locale.ROOT);
    }

    /**
     * {@code host[:port]} with the host in its ASCII form ({@link #toAscii}); {@code hostPort} itself when ASCII.
     *
     * @throws IllegalArgumentException when the host is not a valid international host name, or a
     *         bracketed IPv6 literal or the port holds non-ASCII characters
     */
    public static String hostPortToAscii(String hostPort) {
        if (isAscii(hostPort)) {
            return hostPort;
        }
        if (hostPort.startsWith("[")) {
            throw new IllegalArgumentException("a bracketed IPv6 literal holds only ASCII");
        }
        int colon = hostPort.lastIndexOf(':');
        String port = colon < 0 ? "" : hostPort.substring(colon);
        if (!isAscii(port)) {
            throw new IllegalArgumentException("the port holds non-ASCII characters");
        }
        return toAscii(colon < 0 ? hostPort : hostPort.substring(0, colon)) + port;
    }

    /**
     * The ASCII form of a host pattern where {@code *} matches anything ({@code *.bücher.example}
     * becomes {@code *.xn--bcher-kva.example}), label by label.
     *
     * @throws IllegalArgumentException when a label with non-ASCII characters also holds a {@code *}
     *         (a wildcard inside a Punycode label matches nothing useful), or is not a valid name
     */
    public static String toAsciiPattern(String pattern) {
        if (isAscii(pattern)) {
            return pattern;
        }
        String[] labels = pattern.split("\\.", -1);
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < labels.length; i++) {
            String label = labels[i];
            if (!isAscii(label) && label.indexOf('*') >= 0) {
                throw new IllegalArgumentException("a * inside a label with non-ASCII characters");
            }
            out.append(i == 0 ? "" : ".").append(label.isEmpty() ? label : toAscii(label));
        }
        return out.toString();
    }
}
