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

    /** The URL with any {@code user:password@} removed. */
    public static String url(String url) {
        if (url == null) {
            return "null";
        }
        int scheme = url.indexOf("://");
        if (scheme < 0) {
            return url;
        }
        int authorityStart = scheme + 3;
        int authorityEnd = authorityStart;
        while (authorityEnd < url.length()) {
            char c = url.charAt(authorityEnd);
            if (c == '/' || c == '?' || c == '#') {
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
