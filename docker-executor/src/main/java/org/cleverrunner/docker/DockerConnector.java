package org.cleverrunner.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.core.LocalDirectorySSLConfig;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import com.github.dockerjava.transport.DockerHttpClient;
import com.github.dockerjava.transport.SSLConfig;
import org.cleverrunner.docker.internal.EngineHeaders;
import org.cleverrunner.spi.Host;
import org.cleverrunner.spi.Secret;

import javax.net.ssl.SSLContext;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * Gives a docker-java {@link DockerClient} for a {@link Host}'s Docker endpoint:
 * <ul>
 *   <li>{@code unix:///path/docker.sock}: a local socket;</li>
 *   <li>{@code tcp://host:2376}: TLS with client certificates from {@link Builder#tlsCertPath(Path)}
 *       ({@code ca.pem}, {@code cert.pem}, {@code key.pem}, as {@code DOCKER_CERT_PATH}); plain tcp on loopback only;</li>
 *   <li>{@code https://host[:port][/prefix]}: a gateway behind an HTTPS reverse proxy, with
 *       {@code Authorization: Bearer <host.accessToken()>} on every request;</li>
 *   <li>{@code http://127.0.0.1:port}: the same gateway on loopback (tests), also with the bearer token.</li>
 * </ul>
 * The API version is pinned (default {@value #DEFAULT_API_VERSION}) so the same calls work directly and through the
 * gateway. Only request/response and streamed-response calls are meant to be used (no attach/exec hijack).
 */
public final class DockerConnector {

    public static final String DEFAULT_API_VERSION = "1.41";

    private final Duration connectTimeout;
    private final Duration responseTimeout;
    private final int maxConnections;
    private final String apiVersion;
    private final Path tlsCertPath;
    private final SSLContext httpsContext;

    private DockerConnector(Builder builder) {
        this.connectTimeout = builder.connectTimeout;
        this.responseTimeout = builder.responseTimeout;
        this.maxConnections = builder.maxConnections;
        this.apiVersion = builder.apiVersion;
        this.tlsCertPath = builder.tlsCertPath;
        this.httpsContext = builder.httpsContext;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A connector with default timeouts and no TLS client certificates. */
    public static DockerConnector defaults() {
        return builder().build();
    }

    /**
     * A client for the host's endpoint. Nothing is sent yet: the first call (e.g. {@code pingCmd()}) connects.
     * Close the client when done.
     *
     * @throws DockerExecutorException when the endpoint is not supported or its settings are incomplete
     */
    public DockerClient connect(Host host) {
        Objects.requireNonNull(host, "host");
        URI endpoint = host.dockerEndpoint();
        String scheme = endpoint.getScheme() == null ? "" : endpoint.getScheme().toLowerCase(Locale.ROOT);
        switch (scheme) {
            case "unix":
                if (endpoint.getPath() == null || endpoint.getPath().isEmpty()) {
                    throw new DockerExecutorException("Docker endpoint " + endpoint + " names no socket path");
                }
                return client(URI.create("unix://" + endpoint.getPath()), null, host.accessToken());
            case "tcp": {
                requireHostName(endpoint);
                if (tlsCertPath != null) {
                    int port = endpoint.getPort() == -1 ? 2376 : endpoint.getPort();
                    return client(tcp(endpoint, port), new LocalDirectorySSLConfig(tlsCertPath.toString()),
                            host.accessToken());
                }
                requireLoopback(endpoint, "tcp without TLS (set tlsCertPath for a remote engine)");
                int port = endpoint.getPort() == -1 ? 2375 : endpoint.getPort();
                return client(tcp(endpoint, port), null, host.accessToken());
            }
            case "https": {
                requireHostName(endpoint);
                Secret token = requireToken(host);
                int port = endpoint.getPort() == -1 ? 443 : endpoint.getPort();
                SSLContext context = httpsContext != null ? httpsContext : defaultSslContext();
                // docker-java speaks https when its "tcp" endpoint comes with an SSL context.
                return client(tcp(endpoint, port), () -> context, token);
            }
            case "http": {
                requireHostName(endpoint);
                Secret token = requireToken(host);
                requireLoopback(endpoint, "plain http (use https for a remote gateway)");
                int port = endpoint.getPort() == -1 ? 80 : endpoint.getPort();
                return client(tcp(endpoint, port), null, token);
            }
            default:
                throw new DockerExecutorException("Unsupported Docker endpoint " + endpoint
                        + " for host " + host.id() + ": use unix://, tcp://, https:// or http:// on loopback");
        }
    }

    private DockerClient client(URI transportUri, SSLConfig sslConfig, Secret token) {
        DockerClientConfig config;
        try {
            config = DefaultDockerClientConfig.createDefaultConfigBuilder()
                    .withDockerHost(transportUri.toString())
                    .withDockerTlsVerify(false) // TLS is the transport's business here, never the environment's
                    .withApiVersion(apiVersion)
                    .build();
        } catch (RuntimeException e) {
            throw new DockerExecutorException("Invalid Docker client settings for " + transportUri + ": " + e.getMessage(), e);
        }
        DockerHttpClient http = new EngineHeaders(new ApacheDockerHttpClient.Builder()
                .dockerHost(transportUri)
                .sslConfig(sslConfig)
                .maxConnections(maxConnections)
                .connectionTimeout(connectTimeout)
                .responseTimeout(responseTimeout)
                .build(), token);
        return DockerClientImpl.getInstance(config, http);
    }

    private static URI tcp(URI endpoint, int port) {
        String path = endpoint.getRawPath() == null ? "" : endpoint.getRawPath();
        if (path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        String hostPart = endpoint.getHost().contains(":") && !endpoint.getHost().startsWith("[")
                ? "[" + endpoint.getHost() + "]" : endpoint.getHost();
        return URI.create("tcp://" + hostPart + ":" + port + path);
    }

    private static void requireHostName(URI endpoint) {
        if (endpoint.getHost() == null || endpoint.getHost().isEmpty()) {
            throw new DockerExecutorException("Docker endpoint " + endpoint + " names no host");
        }
    }

    private static Secret requireToken(Host host) {
        if (host.accessToken() == null) {
            throw new DockerExecutorException("Docker endpoint " + host.dockerEndpoint() + " of host " + host.id()
                    + " is a gateway and needs the host's access token, which is missing");
        }
        return host.accessToken();
    }

    private static void requireLoopback(URI endpoint, String what) {
        boolean loopback;
        try {
            loopback = InetAddress.getByName(endpoint.getHost()).isLoopbackAddress();
        } catch (UnknownHostException e) {
            loopback = false;
        }
        if (!loopback) {
            throw new DockerExecutorException(what + " is only allowed on a loopback address, not " + endpoint);
        }
    }

    private static SSLContext defaultSslContext() {
        try {
            return SSLContext.getDefault();
        } catch (NoSuchAlgorithmException e) {
            throw new DockerExecutorException("No default TLS context in this JVM", e);
        }
    }

    @Override
    public String toString() {
        return "DockerConnector[apiVersion=" + apiVersion + ", connectTimeout=" + connectTimeout
                + ", responseTimeout=" + responseTimeout + ", tlsCertPath=" + tlsCertPath + "]";
    }

    public static final class Builder {

        private Duration connectTimeout = Duration.ofSeconds(10);
        private Duration responseTimeout = Duration.ofMinutes(5);
        private int maxConnections = 100;
        private String apiVersion = DEFAULT_API_VERSION;
        private Path tlsCertPath;
        private SSLContext httpsContext;

        private Builder() {
        }

        /** How long to wait for a connection to the endpoint (default 10 s). */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = positive(timeout, "connectTimeout");
            return this;
        }

        /**
         * How long a response may stay silent (default 5 min). A silent {@code wait} or {@code logs follow}
         * longer than this fails and is meant to be re-issued, as it would be after a proxy cut.
         */
        public Builder responseTimeout(Duration timeout) {
            this.responseTimeout = positive(timeout, "responseTimeout");
            return this;
        }

        public Builder maxConnections(int maxConnections) {
            if (maxConnections < 1) {
                throw new IllegalArgumentException("maxConnections must be at least 1");
            }
            this.maxConnections = maxConnections;
            return this;
        }

        /** The Engine API version every call uses (default {@value #DEFAULT_API_VERSION}). */
        public Builder apiVersion(String apiVersion) {
            if (apiVersion == null || !apiVersion.matches("1\\.\\d+")) {
                throw new IllegalArgumentException("apiVersion must look like 1.41, not " + apiVersion);
            }
            this.apiVersion = apiVersion;
            return this;
        }

        /** A directory with {@code ca.pem}, {@code cert.pem} and {@code key.pem}, for {@code tcp://} endpoints. */
        public Builder tlsCertPath(Path directory) {
            Objects.requireNonNull(directory, "directory");
            for (String file : new String[] {"ca.pem", "cert.pem", "key.pem"}) {
                if (!Files.isRegularFile(directory.resolve(file))) {
                    throw new IllegalArgumentException("TLS directory " + directory + " has no " + file);
                }
            }
            this.tlsCertPath = directory;
            return this;
        }

        /** The TLS context for {@code https://} gateways (default: the JVM's, with its trust store). */
        public Builder httpsContext(SSLContext context) {
            this.httpsContext = Objects.requireNonNull(context, "context");
            return this;
        }

        public DockerConnector build() {
            return new DockerConnector(this);
        }

        private static Duration positive(Duration d, String name) {
            Objects.requireNonNull(d, name);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " must be positive");
            }
            return d;
        }
    }
}
