package org.cleverrunner.coordinator;

import org.cleverrunner.http.RetryPolicy;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A coordinator behind a private CA, optionally requiring a client certificate. */
class TlsOptionsTest {

    @TempDir
    Path dir;
    HeldCertificate ca;
    MockWebServer server;

    @BeforeEach
    void start() throws Exception {
        ca = new HeldCertificate.Builder().certificateAuthority(0).commonName("test CA").build();
        HeldCertificate serverCertificate = new HeldCertificate.Builder().addSubjectAlternativeName("localhost")
                .addSubjectAlternativeName("127.0.0.1").signedBy(ca).build();
        HandshakeCertificates serverCertificates = new HandshakeCertificates.Builder()
                .heldCertificate(serverCertificate).addTrustedCertificate(ca.certificate()).build();
        server = new MockWebServer();
        server.useHttps(serverCertificates.sslSocketFactory());
        server.start(0);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    CoordinatorClient client(TlsOptions tls) {
        return CoordinatorClient.builder().url("https://localhost:" + server.getPort()).tls(tls)
                .retryPolicy(RetryPolicy.NONE).connectTimeout(Duration.ofSeconds(5)).build();
    }

    @Test
    void trustsACoordinatorSignedByTheConfiguredCa() throws Exception {
        Path caFile = Files.writeString(dir.resolve("ca.crt"), ca.certificatePem());
        server.enqueue(new MockResponse.Builder().code(204).build());

        JobRequestResult result = client(TlsOptions.caFile(caFile)).requestJob(new JobRequest("glrt-x", null, null));

        assertThat(result).isInstanceOf(JobRequestResult.NoJob.class);
    }

    @Test
    void refusesAnUnknownCa() {
        assertThatThrownBy(() -> client(null).requestJob(new JobRequest("glrt-x", null, null)))
                .isInstanceOf(CoordinatorTransportException.class)
                .hasMessageContaining("SSL");
    }

    @Test
    void presentsTheClientCertificateWhenTheCoordinatorRequiresOne() throws Exception {
        server.requireClientAuth();
        HeldCertificate clientCertificate = new HeldCertificate.Builder().commonName("runner").signedBy(ca).build();
        Path caFile = Files.writeString(dir.resolve("ca.crt"), ca.certificatePem());
        Path certFile = Files.writeString(dir.resolve("client.crt"), clientCertificate.certificatePem());
        Path keyFile = Files.writeString(dir.resolve("client.key"), clientCertificate.privateKeyPkcs8Pem());
        server.enqueue(new MockResponse.Builder().code(204).build());

        client(new TlsOptions(caFile, certFile, keyFile)).requestJob(new JobRequest("glrt-x", null, null));

        RecordedRequest request = server.takeRequest(5, TimeUnit.SECONDS);
        assertThat(request.getHandshake().peerPrincipal().getName()).contains("CN=runner");
    }

    @Test
    void badFilesAreClearErrors() throws Exception {
        Path notPem = Files.writeString(dir.resolve("ca.crt"), "hello");
        assertThatThrownBy(() -> client(TlsOptions.caFile(notPem)))
                .isInstanceOf(CoordinatorException.class).hasMessageContaining("ca.crt");
        assertThatThrownBy(() -> client(TlsOptions.caFile(dir.resolve("missing.crt"))))
                .isInstanceOf(CoordinatorException.class).hasMessageContaining("missing.crt");
        HeldCertificate clientCertificate = new HeldCertificate.Builder().rsa2048().signedBy(ca).build();
        Path certFile = Files.writeString(dir.resolve("client.crt"), clientCertificate.certificatePem());
        Path rsaKey = Files.writeString(dir.resolve("client.key"), clientCertificate.privateKeyPkcs1Pem());
        assertThatThrownBy(() -> client(new TlsOptions(null, certFile, rsaKey)))
                .isInstanceOf(CoordinatorException.class).hasMessageContaining("PKCS#8");
        assertThatThrownBy(() -> new TlsOptions(null, certFile, null))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
