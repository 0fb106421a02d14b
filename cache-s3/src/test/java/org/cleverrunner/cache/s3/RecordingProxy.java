package org.cleverrunner.cache.s3;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP relay in front of the S3 server that records each request's line and headers as they cross the wire (so
 * what the tests check is what a Ceph RGW would see, not what the SDK says it sends), and can answer the next PUTs
 * with a 500 after reading their whole body, as a server failing an upload.
 */
public final class RecordingProxy implements AutoCloseable {

    public record Request(String method, String target, Map<String, String> headers) {
        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    private final int targetPort;
    private final ServerSocket server;
    private final List<Request> requests = Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger failPuts = new AtomicInteger();
    private final List<Socket> sockets = Collections.synchronizedList(new ArrayList<>());

    public RecordingProxy(int targetPort) throws IOException {
        this.targetPort = targetPort;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::accept, "recording-proxy");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public String address() {
        return "127.0.0.1:" + server.getLocalPort();
    }

    public List<Request> requests() {
        synchronized (requests) {
            return List.copyOf(requests);
        }
    }

    /** The next {@code count} PUTs get a 500 InternalError once their body is read. */
    public void failNextPuts(int count) {
        failPuts.set(count);
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                sockets.add(client);
                Thread relay = new Thread(() -> relay(client), "recording-proxy-relay");
                relay.setDaemon(true);
                relay.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void relay(Socket client) {
        try (client; Socket upstream = new Socket(InetAddress.getLoopbackAddress(), targetPort)) {
            sockets.add(upstream);
            Thread back = new Thread(() -> pipe(upstream, client), "recording-proxy-back");
            back.setDaemon(true);
            back.start();
            InputStream in = client.getInputStream();
            OutputStream out = upstream.getOutputStream();
            while (true) {
                byte[] head = readHead(in);
                if (head == null) {
                    return;
                }
                Request request = parse(head);
                requests.add(request);
                long length = request.header("content-length") == null ? 0
                        : Long.parseLong(request.header("content-length").strip());
                if (request.method().equals("PUT") && failPuts.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                    OutputStream toClient = client.getOutputStream();
                    if ("100-continue".equalsIgnoreCase(request.header("expect"))) {
                        toClient.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                        toClient.flush();
                    }
                    in.skipNBytes(length);
                    byte[] body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>InternalError</Code>"
                            + "<Message>We encountered an internal error. Please try again.</Message></Error>")
                            .getBytes(StandardCharsets.UTF_8);
                    toClient.write(("HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/xml\r\n"
                            + "Content-Length: " + body.length + "\r\nConnection: close\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    toClient.write(body);
                    toClient.flush();
                    return;
                }
                out.write(head);
                if ("chunked".equalsIgnoreCase(request.header("transfer-encoding"))) {
                    in.transferTo(out); // not parsed further: the test fails on the header anyway
                    return;
                }
                copy(in, out, length);
                out.flush();
            }
        } catch (IOException e) {
            // a connection closed by either side
        }
    }

    private static void pipe(Socket from, Socket to) {
        try {
            from.getInputStream().transferTo(to.getOutputStream());
        } catch (IOException e) {
            // closed
        } finally {
            try {
                to.close();
            } catch (IOException ignored) {
                // closing
            }
        }
    }

    private static void copy(InputStream in, OutputStream out, long length) throws IOException {
        byte[] buffer = new byte[64 * 1024];
        long left = length;
        while (left > 0) {
            int read = in.read(buffer, 0, (int) Math.min(buffer.length, left));
            if (read < 0) {
                throw new IOException("body cut short");
            }
            out.write(buffer, 0, read);
            left -= read;
        }
    }

    /** The request line and headers up to the blank line, or null at the end of the connection. */
    private static byte[] readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                return null;
            }
            head.write(b);
            matched = (b == '\r' && (matched == 0 || matched == 2)) || (b == '\n' && (matched == 1 || matched == 3))
                    ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        return head.toByteArray();
    }

    private static Request parse(byte[] head) {
        String[] lines = new String(head, StandardCharsets.ISO_8859_1).split("\r\n");
        String[] requestLine = lines[0].split(" ");
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) {
                headers.merge(lines[i].substring(0, colon).strip().toLowerCase(Locale.ROOT),
                        lines[i].substring(colon + 1).strip(), (a, b) -> a + ", " + b);
            }
        }
        return new Request(requestLine[0], requestLine.length > 1 ? requestLine[1] : "", headers);
    }

    @Override
    public void close() throws IOException {
        server.close();
        synchronized (sockets) {
            for (Socket socket : sockets) {
                socket.close();
            }
        }
    }
}
