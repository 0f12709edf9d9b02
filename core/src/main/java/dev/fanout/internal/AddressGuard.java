package dev.fanout.internal;

import io.netty.util.NetUtil;

import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The private-address guard: says whether an address may be connected to. Refuses loopback,
 * private, shared (CGNAT), link-local (cloud metadata included), unique-local, site-local,
 * multicast, unspecified, broadcast and reserved/documentation ranges, in IPv4 and IPv6, and
 * looks through IPv6 forms that embed an IPv4 address (mapped, compatible, NAT64, 6to4). An
 * allow-list of CIDR blocks wins over all of it. Immutable and thread-safe.
 */
public final class AddressGuard {

    private static final List<Cidr> BLOCKED = List.of(
            // IPv4 (RFC 6890 special-purpose registry, minus the globally reachable ones)
            Cidr.parse("0.0.0.0/8"), Cidr.parse("10.0.0.0/8"), Cidr.parse("100.64.0.0/10"),
            Cidr.parse("127.0.0.0/8"), Cidr.parse("169.254.0.0/16"), Cidr.parse("172.16.0.0/12"),
            Cidr.parse("192.0.0.0/24"), Cidr.parse("192.0.2.0/24"), Cidr.parse("192.88.99.0/24"),
            Cidr.parse("192.168.0.0/16"), Cidr.parse("198.18.0.0/15"), Cidr.parse("198.51.100.0/24"),
            Cidr.parse("203.0.113.0/24"), Cidr.parse("224.0.0.0/4"), Cidr.parse("240.0.0.0/4"),
            // IPv6
            Cidr.parse("::/128"), Cidr.parse("::1/128"), Cidr.parse("100::/64"), Cidr.parse("2001:db8::/32"),
            Cidr.parse("fc00::/7"), Cidr.parse("fe80::/10"), Cidr.parse("fec0::/10"), Cidr.parse("ff00::/8"));

    private final List<Cidr> allowed;

    private AddressGuard(List<Cidr> allowed) {
        this.allowed = List.copyOf(allowed);
    }

    /**
     * A guard with an allow-list.
     *
     * @param allowCidrs blocks such as {@code "10.1.2.0/24"} or {@code "fd00::1/128"}; a bare address means /32 or /128
     * @throws IllegalArgumentException if an entry is not an IP literal with an optional prefix length
     */
    public static AddressGuard allowing(List<String> allowCidrs) {
        List<Cidr> list = new ArrayList<>();
        for (String s : allowCidrs) {
            list.add(Cidr.parse(s));
        }
        return new AddressGuard(list);
    }

    /** Whether a connection to {@code address} must be refused. */
    public boolean isBlocked(InetAddress address) {
        return isBlocked(address.getAddress());
    }

    /** Whether a connection to the raw address (4 or 16 bytes) must be refused. */
    public boolean isBlocked(byte[] address) {
        byte[] a = address.length == 16 ? unwrapEmbeddedIpv4(address) : address;
        for (Cidr c : allowed) {
            if (c.contains(a) || c.contains(address)) {
                return false;
            }
        }
        for (Cidr c : BLOCKED) {
            if (c.contains(a) || c.contains(address)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The address a URL host stands for when it is an IP literal, parsed the way browsers do
     * (WHATWG URL host parsing): IPv4 in decimal, octal or hex parts, with one to four parts
     * ({@code 2130706433}, {@code 0x7f.0.0.1}, {@code 0177.1}, {@code 127.1}), and bracketed IPv6.
     *
     * @param host the host as written in the URL (brackets included for IPv6)
     * @return the 4 or 16 address bytes, null when the host is a name
     * @throws UnknownHostException when the host ends in a number but is not a valid IPv4 address
     *         (a browser refuses it; so do we, rather than let a resolver guess)
     */
    public static byte[] literal(String host) throws UnknownHostException {
        if (host.startsWith("[") && host.endsWith("]")) {
            String inner = host.substring(1, host.length() - 1);
            int zone = inner.indexOf('%');
            byte[] bytes = NetUtil.createByteArrayFromIpAddressString(zone < 0 ? inner : inner.substring(0, zone));
            if (bytes == null) {
                throw new UnknownHostException("not an IPv6 address: " + host);
            }
            return bytes;
        }
        if (host.indexOf(':') >= 0) {
            byte[] bytes = NetUtil.createByteArrayFromIpAddressString(host);
            if (bytes != null) {
                return bytes;
            }
        }
        return ipv4(host.toLowerCase(Locale.ROOT));
    }

    /** WHATWG "IPv4 parser", entered only when the host "ends in a number". */
    private static byte[] ipv4(String host) throws UnknownHostException {
        String[] parts = host.split("\\.", -1);
        int n = parts.length;
        if (n > 1 && parts[n - 1].isEmpty()) {
            n--;
        }
        if (n == 0 || !isNumber(parts[n - 1])) {
            return null;
        }
        if (n > 4) {
            throw new UnknownHostException("not an IPv4 address: " + host);
        }
        BigInteger[] values = new BigInteger[n];
        for (int i = 0; i < n; i++) {
            values[i] = number(parts[i], host);
        }
        BigInteger b255 = BigInteger.valueOf(255);
        for (int i = 0; i < n - 1; i++) {
            if (values[i].compareTo(b255) > 0) {
                throw new UnknownHostException("not an IPv4 address: " + host);
            }
        }
        if (values[n - 1].compareTo(BigInteger.valueOf(256).pow(5 - n)) >= 0) {
            throw new UnknownHostException("not an IPv4 address: " + host);
        }
        long ipv4 = values[n - 1].longValue();
        for (int i = 0; i < n - 1; i++) {
            ipv4 += values[i].longValue() << (8 * (3 - i));
        }
        return new byte[] {(byte) (ipv4 >>> 24), (byte) (ipv4 >>> 16), (byte) (ipv4 >>> 8), (byte) ipv4};
    }

    private static boolean isNumber(String part) {
        if (part.isEmpty()) {
            return false;
        }
        if (part.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return true;
        }
        return part.startsWith("0x") && part.substring(2).chars().allMatch(c -> Character.digit(c, 16) >= 0);
    }

    private static BigInteger number(String part, String host) throws UnknownHostException {
        if (part.isEmpty()) {
            throw new UnknownHostException("not an IPv4 address: " + host);
        }
        int radix = 10;
        String digits = part;
        if (part.startsWith("0x")) {
            radix = 16;
            digits = part.substring(2);
        } else if (part.length() > 1 && part.charAt(0) == '0') {
            radix = 8;
            digits = part.substring(1);
        }
        if (digits.isEmpty()) {
            return BigInteger.ZERO;
        }
        if (digits.length() > 40) {
            throw new UnknownHostException("not an IPv4 address: " + host);
        }
        try {
            return new BigInteger(digits, radix);
        } catch (NumberFormatException e) {
            throw new UnknownHostException("not an IPv4 address: " + host);
        }
    }

    /** The IPv4 address inside an IPv4-mapped, -compatible, NAT64 or 6to4 IPv6 address, else the address. */
    private static byte[] unwrapEmbeddedIpv4(byte[] a) {
        boolean zero80 = true;
        for (int i = 0; i < 10; i++) {
            zero80 &= a[i] == 0;
        }
        boolean mapped = zero80 && a[10] == (byte) 0xff && a[11] == (byte) 0xff;
        boolean compatible = zero80 && a[10] == 0 && a[11] == 0 && !(a[12] == 0 && a[13] == 0 && a[14] == 0);
        boolean nat64 = a[0] == 0 && a[1] == 0x64 && a[2] == (byte) 0xff && a[3] == (byte) 0x9b
                && a[4] == 0 && a[5] == 0 && a[6] == 0 && a[7] == 0 && a[8] == 0 && a[9] == 0 && a[10] == 0 && a[11] == 0;
        if (mapped || compatible || nat64) {
            return new byte[] {a[12], a[13], a[14], a[15]};
        }
        if (a[0] == 0x20 && a[1] == 0x02) {
            return new byte[] {a[2], a[3], a[4], a[5]};
        }
        return a;
    }

    /** An address block. */
    private record Cidr(byte[] network, int prefix) {

        static Cidr parse(String s) {
            int slash = s.indexOf('/');
            String addr = slash < 0 ? s : s.substring(0, slash);
            if (addr.startsWith("[") && addr.endsWith("]")) {
                addr = addr.substring(1, addr.length() - 1);
            }
            byte[] bytes = NetUtil.createByteArrayFromIpAddressString(addr);
            if (bytes == null) {
                throw new IllegalArgumentException("allowAddresses: " + s + " (expected: an IP address or CIDR block such as 10.0.0.0/8)");
            }
            int prefix;
            try {
                prefix = slash < 0 ? bytes.length * 8 : Integer.parseInt(s.substring(slash + 1));
            } catch (NumberFormatException e) {
                prefix = -1;
            }
            if (prefix < 0 || prefix > bytes.length * 8) {
                throw new IllegalArgumentException("allowAddresses: " + s + " (expected: a prefix length 0-"
                        + bytes.length * 8 + ")");
            }
            return new Cidr(bytes, prefix);
        }

        boolean contains(byte[] a) {
            if (a.length != network.length) {
                return false;
            }
            int full = prefix / 8;
            for (int i = 0; i < full; i++) {
                if (a[i] != network[i]) {
                    return false;
                }
            }
            int rest = prefix % 8;
            if (rest == 0) {
                return true;
            }
            int mask = (0xff << (8 - rest)) & 0xff;
            return (a[full] & mask) == (network[full] & mask);
        }
    }
}
