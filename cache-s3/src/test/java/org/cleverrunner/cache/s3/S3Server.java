package org.cleverrunner.cache.s3;

import java.net.URI;
import java.util.Properties;
import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;

/** A real S3 server in the test JVM: s3proxy on its in-memory blob store, SigV4 with one key pair, one bucket. */
public final class S3Server implements AutoCloseable {

    public static final String ACCESS_KEY = "AKIDCLEVERRUNNERTEST";
    public static final String SECRET_KEY = "s3cr3t-Th1s-Must-N3ver-Be-Pr1nted";

    private final S3Proxy proxy;
    private final BlobStore blobStore;

    public S3Server(String... buckets) throws Exception {
        blobStore = BlobStores.create("transient", new Properties());
        for (String bucket : buckets) {
            blobStore.createContainer(bucket);
        }
        proxy = S3Proxy.builder().blobStore(blobStore).awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY,
                SECRET_KEY).endpoint(URI.create("http://127.0.0.1:0")).build();
        proxy.start();
        for (int i = 0; i < 100 && !"STARTED".equals(proxy.getState()); i++) {
            Thread.sleep(50);
        }
    }

    public int port() {
        return proxy.getPort();
    }

    public String address() {
        return "127.0.0.1:" + port();
    }

    public BlobStore blobStore() {
        return blobStore;
    }

    @Override
    public void close() throws Exception {
        proxy.stop();
    }
}
