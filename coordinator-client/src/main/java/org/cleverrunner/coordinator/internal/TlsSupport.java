package org.cleverrunner.coordinator.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import okhttp3.OkHttpClient;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;
import org.cleverrunner.coordinator.CoordinatorException;
import org.cleverrunner.coordinator.TlsOptions;

/** Applies {@link TlsOptions} to an OkHttp builder with okhttp-tls: extra CAs on top of the platform's, client certs. */
public final class TlsSupport {

    private TlsSupport() {
    }

    public static void apply(OkHttpClient.Builder builder, TlsOptions options) {
        if (options == null || options.caFile() == null && options.certFile() == null) {
            return;
        }
        HandshakeCertificates.Builder certificates = new HandshakeCertificates.Builder().addPlatformTrustedCertificates();
        if (options.caFile() != null) {
            for (X509Certificate ca : readCertificates(options.caFile(), "CA file")) {
                certificates.addTrustedCertificate(ca);
            }
        }
        if (options.certFile() != null) {
            List<X509Certificate> chain = readCertificates(options.certFile(), "client certificate file");
            String keyPem = readText(options.keyFile(), "client key file");
            if (!keyPem.contains("-----BEGIN PRIVATE KEY-----")) {
                throw new CoordinatorException("client key file " + options.keyFile()
                        + " must hold a PKCS#8 PEM key (BEGIN PRIVATE KEY); convert it with"
                        + " 'openssl pkcs8 -topk8 -nocrypt'");
            }
            String certPem = toPem(chain.get(0));
            HeldCertificate held;
            try {
                held = HeldCertificate.decode(certPem + keyPem);
            } catch (IllegalArgumentException e) {
                throw new CoordinatorException("cannot read the client certificate " + options.certFile()
                        + " with key " + options.keyFile() + ": " + e.getMessage());
            }
            certificates.heldCertificate(held, chain.subList(1, chain.size()).toArray(new X509Certificate[0]));
        }
        HandshakeCertificates built = certificates.build();
        builder.sslSocketFactory(built.sslSocketFactory(), built.trustManager());
    }

    private static List<X509Certificate> readCertificates(Path file, String what) {
        try (InputStream in = Files.newInputStream(file)) {
            List<X509Certificate> result = new ArrayList<>();
            for (Certificate certificate : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                result.add((X509Certificate) certificate);
            }
            if (result.isEmpty()) {
                throw new CoordinatorException(what + " " + file + " holds no PEM certificate");
            }
            return result;
        } catch (IOException e) {
            throw new CoordinatorException("cannot read " + what + " " + file + ": " + e.getMessage(), e);
        } catch (CertificateException e) {
            throw new CoordinatorException(what + " " + file + " is not a PEM certificate bundle: " + e.getMessage(), e);
        }
    }

    private static String readText(Path file, String what) {
        try {
            return Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new CoordinatorException("cannot read " + what + " " + file + ": " + e.getMessage(), e);
        }
    }

    private static String toPem(X509Certificate certificate) {
        try {
            return "-----BEGIN CERTIFICATE-----\n"
                    + java.util.Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                            .encodeToString(certificate.getEncoded())
                    + "\n-----END CERTIFICATE-----\n";
        } catch (java.security.cert.CertificateEncodingException e) {
            throw new CoordinatorException("cannot encode the client certificate: " + e.getMessage(), e);
        }
    }
}
