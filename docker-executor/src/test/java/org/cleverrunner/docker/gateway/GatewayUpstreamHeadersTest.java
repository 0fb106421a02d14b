package org.cleverrunner.docker.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.cleverrunner.spi.Secret;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the gateway asks of the Engine, seen on the Engine's own socket (a unix socket that answers as the Engine
 * would, recording each request's head): never a compressed answer, whatever the caller asked for, and never the
 * caller's token.
 */
class GatewayUpstreamHeadersTest {

    @Test
    void theEngineIsNeverAskedToCompressNorShownTheGatewaysToken(@TempDir Path dir) throws Exception {
        Path socket = dir.resolve("docker.sock");
        List<String> heads = new CopyOnWriteArrayList<>();
        try (ServerSocketChannel engine = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            engine.bind(UnixDomainSocketAddress.of(socket));
            Thread answering = new Thread(() -> answer(engine, heads), "fake-engine");
            answering.setDaemon(true);
            answering.start();
            try (DockerGateway gateway = DockerGateway.builder().bindAddress("127.0.0.1").port(0)
                    .token(Secret.of("gateway-token-1")).dockerSocket(socket).build().start()) {
                HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + gateway.port() + "/v1.41/_ping"))
                        .header("Authorization", "Bearer gateway-token-1")
                        .header("Accept-Encoding", "gzip, deflate")
                        .timeout(Duration.ofSeconds(20)).GET().build(), HttpResponse.BodyHandlers.ofString());

                assertThat(response.statusCode()).isEqualTo(200);
                assertThat(response.body()).isEqualTo("OK");
            }
        }
        assertThat(heads).singleElement().satisfies(head -> {
            assertThat(head).startsWith("GET /v1.41/_ping HTTP/1.1");
            assertThat(head.toLowerCase(java.util.Locale.ROOT)).contains("\r\naccept-encoding: identity\r\n")
                    .doesNotContain("gzip").doesNotContain("gateway-token-1");
        });
    }

    /** Reads each request's head and answers 200 "OK", closing the connection. */
    private static void answer(ServerSocketChannel engine, List<String> heads) {
        while (engine.isOpen()) {
            try (SocketChannel connection = engine.accept()) {
                StringBuilder head = new StringBuilder();
                ByteBuffer buffer = ByteBuffer.allocate(8192);
                while (!head.toString().contains("\r\n\r\n") && connection.read(buffer) > 0) {
                    buffer.flip();
                    head.append(StandardCharsets.ISO_8859_1.decode(buffer));
                    buffer.clear();
                }
                heads.add(head.toString());
                connection.write(ByteBuffer.wrap(("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                        + "Content-Length: 2\r\nConnection: close\r\n\r\nOK").getBytes(StandardCharsets.US_ASCII)));
            } catch (IOException e) {
                return;
            }
        }
    }
}
