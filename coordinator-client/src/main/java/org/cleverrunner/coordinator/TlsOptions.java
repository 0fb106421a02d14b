package org.cleverrunner.coordinator;

import java.nio.file.Path;

/**
 * TLS settings for reaching the coordinator, as GitLab Runner's {@code tls-ca-file}, {@code tls-cert-file} and
 * {@code tls-key-file}: a PEM bundle of extra trusted CAs (added to the platform's), and a client certificate
 * (PEM chain) with its PKCS#8 PEM private key. Any of them may be null.
 */
public record TlsOptions(Path caFile, Path certFile, Path keyFile) {

    public TlsOptions {
        if ((certFile == null) != (keyFile == null)) {
            throw new IllegalArgumentException("a client certificate needs both certFile and keyFile");
        }
    }

    public static TlsOptions caFile(Path caFile) {
        return new TlsOptions(caFile, null, null);
    }
}
