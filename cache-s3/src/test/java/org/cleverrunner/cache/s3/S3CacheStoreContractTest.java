package org.cleverrunner.cache.s3;

import java.util.Map;
import org.cleverrunner.spi.CacheStore;
import org.cleverrunner.spi.ProviderSettings;
import org.cleverrunner.testkit.contract.CacheStoreContract;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The cache store contract, against s3proxy (a real S3 server in this JVM), through the ServiceLoader id. */
class S3CacheStoreContractTest extends CacheStoreContract {

    private static S3Server server;

    @BeforeAll
    static void startServer() throws Exception {
        server = new S3Server("contract-bucket");
    }

    @AfterAll
    static void stopServer() throws Exception {
        server.close();
    }

    @Override
    protected CacheStore cacheStore() {
        return new S3CacheStoreFactory(Map.of()).create(new ProviderSettings("runners[0].cache", Map.of(
                "Type", "s3", "Path", "contract",
                "s3.ServerAddress", server.address(), "s3.Insecure", "true",
                "s3.AccessKey", S3Server.ACCESS_KEY, "s3.SecretKey", S3Server.SECRET_KEY,
                "s3.BucketName", "contract-bucket", "s3.BucketLocation", "")));
    }
}
