package dev.fanout.internal;

/** Keeps secrets out of strings: user info in URLs and the values of credential headers. */
public final class Redaction {

    private Redaction() {
    }

    /** Whether the header carries credentials and must never be printed. */
    public static boolean isSecretHeader(String name) {
        return name != null && (name.equalsIgnoreCase("Authorization") || name.equalsIgnoreCase("Cookie")
                || name.equalsIgnoreCase("Proxy-Authorization") || name.equalsIgnoreCase("Set-Cookie"));
    }

    public static String headerValue(String name, String value) {
        return isSecretHeader(name) ? "<redacted>" : value;
    }

    /**
     * The URL with any {@code user:password@} removed. Lenient on purpose: it also strips user info
     * from URLs that fail validation (no "//", backslashes, several '@'), since those end up in
     * error messages too.
     */
    public static String url(String url) {
        if (url == null) {
            return "null";
        }
        int colon = url.indexOf(':');
        if (colon < 0) {
            return url;
        }
        int authorityStart = colon + 1;
        while (authorityStart < url.length() && (url.charAt(authorityStart) == '/' || url.charAt(authorityStart) == '\\')) {
            authorityStart++;
        }
        int authorityEnd = authorityStart;
        while (authorityEnd < url.length()) {
            char c = url.charAt(authorityEnd);
            if (c == '/' || c == '\\' || c == '?' || c == '#') {
                break;
            }
            authorityEnd++;
        }
        int at = url.lastIndexOf('@', authorityEnd - 1);
        if (at < authorityStart) {
            return url;
        }
        return url.substring(0, authorityStart) + url.substring(at + 1);
    }
}
