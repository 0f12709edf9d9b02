package dev.fanout.benchmarks.load;

import java.nio.charset.StandardCharsets;

/** The static JSON bodies the target serves, made here so that nginx and the fallback serve the same bytes. */
final class TargetFiles {

    static final int SMALL_SIZE = 1024;
    static final int LARGE_SIZE = 100 * 1024;

    private TargetFiles() {
    }

    /** A JSON object of exactly {@code size} bytes with an {@code items} array of {@link #itemCount(int)} objects. */
    static byte[] json(int size) {
        StringBuilder sb = new StringBuilder("{\"items\":[");
        int items = itemCount(size);
        for (int i = 0; i < items; i++) {
            if (i > 0) {
                sb.append(',');
            }
            sb.append(item(i));
        }
        sb.append("],\"pad\":\"");
        int pad = size - sb.length() - 2;
        sb.append("x".repeat(pad)).append("\"}");
        byte[] bytes = sb.toString().getBytes(StandardCharsets.US_ASCII);
        if (bytes.length != size) {
            throw new IllegalStateException("json body is " + bytes.length + " bytes, not " + size);
        }
        return bytes;
    }

    /** As many items as fit, leaving room for the padding field. */
    static int itemCount(int size) {
        int len = "{\"items\":[],\"pad\":\"\"}".length();
        int n = 0;
        while (len + item(n).length() + 1 < size - 16) {
            len += item(n).length() + 1;
            n++;
        }
        return n;
    }

    private static String item(int i) {
        return "{\"id\":" + i + ",\"name\":\"item-" + i + "\",\"price\":" + (i * 7 % 1000) + ".5,\"tags\":[\"a\",\"b\"]}";
    }
}
