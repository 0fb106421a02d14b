package org.cleverrunner.docker;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy on loopback that behaves like the reverse proxies in front of job VMs: it cuts connections carrying a
 * long streamed answer ({@code /logs}, {@code /wait}) some time after the request, mid-stream.
 */
final class CuttingProxy implements AutoCloseable {

    private final ServerSocket server;
    private final int targetPort;
    private final long cutAfterMillis;
    private final ScheduledExecutorService cutter = Executors.newSingleThreadScheduledExecutor();
    final AtomicInteger cuts = new AtomicInteger();

    CuttingProxy(int targetPort, long cutAfterMillis) throws IOException {
        this.targetPort = targetPort;
        this.cutAfterMillis = cutAfterMillis;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::accept, "cutting-proxy");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return server.getLocalPort();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Socket upstream = new Socket();
                upstream.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort));
                pump(client, upstream, true);
                pump(upstream, client, false);
            } catch (IOException e) {
                return;
            }
        }
    }

    private void pump(Socket from, Socket to, boolean fromClient) {
        Thread thread = new Thread(() -> {
            byte[] buffer = new byte[8192];
            boolean scheduled = false;
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                for (int n; (n = in.read(buffer)) >= 0; ) {
                    if (fromClient && !scheduled) {
                        String request = new String(buffer, 0, n, StandardCharsets.ISO_8859_1);
                        if (request.contains("/logs?") || request.contains("/wait")) {
                            scheduled = true;
                            cutter.schedule(() -> cut(from, to), cutAfterMillis, TimeUnit.MILLISECONDS);
                        }
                    }
                    out.write(buffer, 0, n);
                    out.flush();
                }
            } catch (IOException e) {
                // the connection was cut or closed
            } finally {
                closeQuietly(from);
                closeQuietly(to);
            }
        }, "cutting-proxy-pump");
        thread.setDaemon(true);
        thread.start();
    }

    private void cut(Socket a, Socket b) {
        if (!a.isClosed() || !b.isClosed()) {
            cuts.incrementAndGet();
        }
        closeQuietly(a);
        closeQuietly(b);
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public void close() throws IOException {
        cutter.shutdownNow();
        server.close();
    }
}
