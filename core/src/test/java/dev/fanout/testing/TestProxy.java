package dev.fanout.testing;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A forward proxy for tests on 127.0.0.1: HTTP CONNECT or SOCKS5, optionally with a user name and
 * password, that records every target it tunnelled to. Plain blocking sockets on its own threads
 * (test code, nothing to do with the client's event loops), so it is short and obviously correct.
 */
public final class TestProxy implements AutoCloseable {

    public enum Type { HTTP, SOCKS5 }

    private final Type type;
    private final String user;
    private final String password;
    private final ServerSocket socket;
    private final AtomicInteger connections = new AtomicInteger();
    private final List<String> targets = new CopyOnWriteArrayList<>();
    private final List<Socket> open = new CopyOnWriteArrayList<>();

    public TestProxy(Type type, String user, String password) throws IOException {
        this.type = type;
        this.user = user;
        this.password = password;
        this.socket = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        Thread accept = new Thread(this::acceptLoop, "test-proxy-accept");
        accept.setDaemon(true);
        accept.start();
    }

    public int port() {
        return socket.getLocalPort();
    }

    public int connections() {
        return connections.get();
    }

    /** "host:port" of every tunnel opened, in order. */
    public List<String> targets() {
        return targets;
    }

    private void acceptLoop() {
        while (!socket.isClosed()) {
            try {
                Socket client = socket.accept();
                connections.incrementAndGet();
                open.add(client);
                Thread t = new Thread(() -> serve(client), "test-proxy-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket client) {
        try {
            InputStream in = client.getInputStream();
            OutputStream out = client.getOutputStream();
            String target = type == Type.HTTP ? connect(in, out) : socks5(new DataInputStream(in), out);
            if (target == null) {
                client.close();
                return;
            }
            int colon = target.lastIndexOf(':');
            Socket upstream = new Socket(target.substring(0, colon), Integer.parseInt(target.substring(colon + 1)));
            open.add(upstream);
            targets.add(target);
            if (type == Type.HTTP) {
                out.write("HTTP/1.1 200 Connection established\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            } else {
                out.write(new byte[] {5, 0, 0, 1, 127, 0, 0, 1, 0, 0});
            }
            out.flush();
            Thread up = new Thread(() -> pump(in, upstream), "test-proxy-up");
            up.setDaemon(true);
            up.start();
            pump(upstream.getInputStream(), client);
        } catch (IOException e) {
            closeQuietly(client);
        }
    }

    private String connect(InputStream in, OutputStream out) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != -1) {
            head.write(b);
            byte[] h = head.toByteArray();
            int n = h.length;
            if (n >= 4 && h[n - 4] == '\r' && h[n - 3] == '\n' && h[n - 2] == '\r' && h[n - 1] == '\n') {
                break;
            }
        }
        String[] lines = head.toString(StandardCharsets.ISO_8859_1).split("\r\n");
        String[] requestLine = lines[0].split(" ");
        if (!requestLine[0].equals("CONNECT")) {
            out.write("HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            return null;
        }
        if (user != null) {
            String expected = "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
            boolean ok = false;
            for (String line : lines) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).equalsIgnoreCase("Proxy-Authorization")
                        && line.substring(colon + 1).trim().equals(expected)) {
                    ok = true;
                }
            }
            if (!ok) {
                out.write("HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"test\"\r\nContent-Length: 0\r\n\r\n"
                        .getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                return null;
            }
        }
        return requestLine[1];
    }

    private String socks5(DataInputStream in, OutputStream out) throws IOException {
        if (in.readUnsignedByte() != 5) {
            return null;
        }
        int methods = in.readUnsignedByte();
        byte[] offered = in.readNBytes(methods);
        int wanted = user != null ? 2 : 0;
        boolean has = false;
        for (byte m : offered) {
            has |= m == wanted;
        }
        if (!has) {
            out.write(new byte[] {5, (byte) 0xff});
            return null;
        }
        out.write(new byte[] {5, (byte) wanted});
        out.flush();
        if (wanted == 2) {
            in.readUnsignedByte(); // sub-negotiation version 1
            String u = new String(in.readNBytes(in.readUnsignedByte()), StandardCharsets.UTF_8);
            String p = new String(in.readNBytes(in.readUnsignedByte()), StandardCharsets.UTF_8);
            boolean ok = u.equals(user) && p.equals(password);
            out.write(new byte[] {1, (byte) (ok ? 0 : 1)});
            out.flush();
            if (!ok) {
                return null;
            }
        }
        in.readUnsignedByte(); // version
        int cmd = in.readUnsignedByte();
        in.readUnsignedByte(); // reserved
        int atyp = in.readUnsignedByte();
        String host;
        if (atyp == 1) {
            host = InetAddress.getByAddress(in.readNBytes(4)).getHostAddress();
        } else if (atyp == 3) {
            host = new String(in.readNBytes(in.readUnsignedByte()), StandardCharsets.US_ASCII);
        } else {
            host = "[" + InetAddress.getByAddress(in.readNBytes(16)).getHostAddress() + "]";
        }
        int port = in.readUnsignedShort();
        if (cmd != 1) {
            out.write(new byte[] {5, 7, 0, 1, 0, 0, 0, 0, 0, 0});
            return null;
        }
        return host + ":" + port;
    }

    private static void pump(InputStream from, Socket to) {
        try {
            from.transferTo(to.getOutputStream());
        } catch (IOException ignored) {
            // either side closed
        } finally {
            closeQuietly(to);
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
        for (Socket s : open) {
            closeQuietly(s);
        }
    }
}
