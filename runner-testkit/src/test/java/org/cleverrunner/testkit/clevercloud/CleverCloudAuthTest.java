package org.cleverrunner.testkit.clevercloud;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class CleverCloudAuthTest {

    static CleverCloudSimulator sim;

    @BeforeAll
    static void start() {
        sim = CleverCloudSimulator.builder()
                .apiToken("api-token-1")
                .organisationToken("clever-orga-deploying-token")
                .oauth("T5nFjKeHH4AIlEveuGhB5S3xg8T19e", "MgVMqTr6fWlf2M0tkC2MXOnhfqBWDT", "user-token", "user&secret")
                .start();
    }

    @AfterAll
    static void stop() {
        sim.close();
    }

    private static HttpResponse<String> get(String authorization, String path) {
        return new CcHttp(sim, authorization).send("GET", path, null);
    }

    @Test
    void bearerTokenIsAcceptedAndAWrongOneGetsACleverError() {
        assertThat(get("Bearer api-token-1", "/v2/self").statusCode()).isEqualTo(200);
        HttpResponse<String> bad = get("Bearer nope", "/v2/self");
        assertThat(bad.statusCode()).isEqualTo(401);
        JsonNode body = CcHttp.read(bad.body());
        assertThat(body.path("type").asText()).isEqualTo("error");
        assertThat(body.path("id").isInt()).isTrue();
        assertThat(body.path("message").asText()).isNotBlank();
        assertThat(get(null, "/v2/organisations").statusCode()).isEqualTo(401);
    }

    @Test
    void tokenSchemeIsAccepted() {
        HttpResponse<String> r = get("token clever-orga-deploying-token",
                "/v2/organisations/" + sim.organisationId() + "/applications");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("[]");
        assertThat(get("token wrong", "/v2/organisations/" + sim.organisationId() + "/applications").statusCode())
                .isEqualTo(401);
    }

    @Test
    void oauthPlaintextIsComparedExactly() {
        // pct("user&secret") = user%26secret, and the header percent-encodes the whole signature once more.
        String good = "OAuth oauth_consumer_key=\"T5nFjKeHH4AIlEveuGhB5S3xg8T19e\", oauth_token=\"user-token\", "
                + "oauth_signature=\"MgVMqTr6fWlf2M0tkC2MXOnhfqBWDT%26user%2526secret\"";
        assertThat(get(good, "/v2/self").statusCode()).isEqualTo(200);
        String bad = good.replace("%2526secret", "%26secret");
        assertThat(get(bad, "/v2/self").statusCode()).isEqualTo(401);
        String otherToken = good.replace("user-token", "someone-else");
        assertThat(get(otherToken, "/v2/self").statusCode()).isEqualTo(401);
    }

    @Test
    void oauthHmacSha512IsRecomputed() throws Exception {
        String path = "/v2/organisations";
        String host = sim.url().substring("http://".length());
        String nonce = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUV";
        String ts = "1700000000";
        String params = "oauth_consumer_key=T5nFjKeHH4AIlEveuGhB5S3xg8T19e&oauth_nonce=" + nonce
                + "&oauth_signature_method=HMAC-SHA512&oauth_timestamp=" + ts + "&oauth_token=user-token&oauth_version=1.0";
        String base = "GET&" + OAuth1.pct("http://" + host + path) + "&" + OAuth1.pct(params);
        Mac mac = Mac.getInstance("HmacSHA512");
        mac.init(new SecretKeySpec("MgVMqTr6fWlf2M0tkC2MXOnhfqBWDT&user%26secret".getBytes(StandardCharsets.UTF_8), "HmacSHA512"));
        String sig = Base64.getEncoder().encodeToString(mac.doFinal(base.getBytes(StandardCharsets.UTF_8)));
        String header = "OAuth oauth_consumer_key=\"T5nFjKeHH4AIlEveuGhB5S3xg8T19e\", oauth_nonce=\"" + nonce
                + "\", oauth_signature=\"" + OAuth1.pct(sig) + "\", oauth_signature_method=\"HMAC-SHA512\", "
                + "oauth_timestamp=\"" + ts + "\", oauth_token=\"user-token\", oauth_version=\"1.0\"";
        HttpResponse<String> ok = get(header, path);
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(CcHttp.read(ok.body()).findValuesAsText("id")).contains(sim.organisationId(), sim.userId());
        // The same signature for another path is refused.
        assertThat(get(header, "/v2/self").statusCode()).isEqualTo(401);
        String tampered = header.replace(OAuth1.pct(sig), OAuth1.pct(sig.substring(1) + "A"));
        assertThat(get(tampered, path).statusCode()).isEqualTo(401);
    }

    @Test
    void productsNeedNoAuthenticationAndFlavorsFollowTheContext() {
        HttpResponse<String> r = get(null, "/v2/products/flavors?context=heptapod-runner");
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode flavors = CcHttp.read(r.body());
        assertThat(flavors.findValuesAsText("name")).containsExactly("heptapod-runner-XS", "heptapod-runner-S",
                "heptapod-runner-M", "heptapod-runner-L", "heptapod-runner-XL", "heptapod-runner-2XL",
                "heptapod-runner-3XL");
        JsonNode m = flavors.get(2);
        assertThat(m.path("mem").asInt()).isEqualTo(8192);
        assertThat(m.path("cpus").asInt()).isEqualTo(4);
        assertThat(m.path("available").asBoolean()).isTrue();
        assertThat(m.path("price_id").asText()).isEqualTo("heptapod-runner.M");

        JsonNode regular = CcHttp.read(get(null, "/v2/products/flavors").body());
        assertThat(regular.findValuesAsText("name")).containsExactly("XS", "S", "M", "L", "XL", "2XL", "3XL");
        assertThat(regular.get(0).path("mem").asInt()).isEqualTo(1024);

        JsonNode types = CcHttp.read(get(null, "/v2/products/instances").body());
        assertThat(types.get(0).path("name").asText()).isEqualTo("Docker");
        assertThat(types.get(0).path("version").asText()).isEqualTo("20231213");
        assertThat(CcHttp.read(get(null, "/v2/products/zones").body()).findValuesAsText("name")).contains("par", "mtl");
    }

    @Test
    void requestsAreRecordedWithCaseInsensitiveHeaders() {
        get("Bearer api-token-1", "/v2/self?x=1");
        List<CleverRequest> selfs = sim.requests(CleverEndpoint.SELF);
        CleverRequest last = selfs.get(selfs.size() - 1);
        assertThat(last.header("authorization")).isEqualTo("Bearer api-token-1");
        assertThat(last.query()).isEqualTo("x=1");
        assertThat(last.status()).isEqualTo(200);
    }
}
