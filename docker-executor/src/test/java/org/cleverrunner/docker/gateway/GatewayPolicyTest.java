package org.cleverrunner.docker.gateway;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The gateway's allow-list and body checks alone, without any engine. */
class GatewayPolicyTest {

    @ParameterizedTest
    @CsvSource({
            "GET,/_ping", "HEAD,/_ping", "GET,/v1.41/_ping", "GET,/version", "GET,/info",
            "POST,/v1.41/containers/create", "GET,/containers/json", "GET,/containers/abc123/json",
            "POST,/containers/abc/start", "POST,/containers/abc/stop", "POST,/containers/abc/wait",
            "POST,/containers/abc/kill", "GET,/v1.41/containers/abc/logs", "GET,/containers/abc/archive",
            "HEAD,/containers/abc/archive", "PUT,/containers/abc/archive", "DELETE,/containers/abc",
            "POST,/networks/create", "GET,/networks", "GET,/networks/n1", "DELETE,/networks/n1",
            "POST,/volumes/create", "GET,/volumes", "GET,/volumes/v1", "DELETE,/volumes/v1",
            "GET,/images/json", "GET,/images/clever-runner/busybox:latest/json",
            "GET,/v1.41/images/registry.example.com:5000/a/b:1.2/json"})
    void allowsWhatTheExecutorUses(String method, String path) {
        assertThat(GatewayPolicy.check(method, path, null).allowed()).as(method + " " + path).isTrue();
    }

    @ParameterizedTest
    @CsvSource({
            "POST,/containers/abc/exec", "POST,/exec/e1/start", "POST,/containers/abc/attach", "POST,/build",
            "POST,/containers/abc/update", "POST,/commit", "GET,/containers/abc/export", "GET,/events",
            "GET,/system/df", "POST,/swarm/init", "GET,/plugins", "GET,/secrets", "POST,/session",
            "DELETE,/images/busybox", "POST,/images/load", "GET,/images/get", "POST,/containers/abc/json",
            "GET,/containers/abc/logs/extra", "PUT,/_ping", "GET,/containers/../exec",
            "GET,/containers/a/../../build", "GET,//containers/json", "GET,/v1.20/containers/json",
            "POST,/v1.23/containers/abc/start", "POST,/networks/n1/connect", "POST,/volumes/prune"})
    void refusesEverythingElse(String method, String path) {
        GatewayPolicy.Verdict verdict = GatewayPolicy.check(method, path, null);
        assertThat(verdict.allowed()).as(method + " " + path).isFalse();
        assertThat(verdict.reason()).isNotBlank();
    }

    @Test
    void refusalNamesTheCall() {
        assertThat(GatewayPolicy.check("POST", "/containers/abc/exec", null).reason())
                .isEqualTo("the gateway does not allow POST /containers/abc/exec");
    }

    @Test
    void startBodiesAreDropped() {
        assertThat(GatewayPolicy.check("POST", "/containers/abc/start", null).body())
                .isEqualTo(GatewayPolicy.BodyHandling.DROP);
    }

    @Test
    void imageCreateIsOnlyAPull() {
        assertThat(GatewayPolicy.check("POST", "/images/create", "fromImage=busybox&tag=latest").allowed()).isTrue();
        assertThat(GatewayPolicy.check("POST", "/images/create", "fromSrc=-&repo=x").allowed()).isFalse();
        assertThat(GatewayPolicy.check("POST", "/images/create",
                "fromImage=busybox&fromSrc=http%3A%2F%2Fexample.com").allowed()).isFalse();
        assertThat(GatewayPolicy.check("POST", "/images/create", null).allowed()).isFalse();
    }

    private static String create(String hostConfig) {
        return "{\"Image\":\"busybox\",\"HostConfig\":" + hostConfig + "}";
    }

    private static java.util.Optional<String> checkCreate(String json) {
        return GatewayPolicy.checkContainerCreate(json.getBytes(StandardCharsets.UTF_8));
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "{}", "{\"Privileged\":false}", "{\"Binds\":[\"myvol:/data\",\"cache_1:/cache:ro\",\"/anon\"]}",
            "{\"Mounts\":[{\"Type\":\"volume\",\"Source\":\"v\",\"Target\":\"/v\"},{\"Type\":\"tmpfs\",\"Target\":\"/t\"}]}",
            "{\"NetworkMode\":\"job-net\"}", "{\"NetworkMode\":\"container:abc\"}", "{\"Devices\":[],\"CapAdd\":null}",
            "{\"CapDrop\":[\"ALL\"],\"SecurityOpt\":[\"no-new-privileges\"]}", "{\"VolumesFrom\":[\"other\"]}",
            "{\"IpcMode\":\"private\",\"PidMode\":\"\"}"})
    void allowsOrdinaryContainers(String hostConfig) {
        assertThat(checkCreate(create(hostConfig))).as(hostConfig).isEmpty();
    }

    @Test
    void allowsABodyWithoutHostConfig() {
        assertThat(checkCreate("{\"Image\":\"busybox\"}")).isEmpty();
        assertThat(GatewayPolicy.checkContainerCreate(new byte[0])).isEmpty();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{\"Privileged\":true}|HostConfig.Privileged",
            "{\"privileged\":true}|HostConfig.Privileged",
            "{\"Privileged\":\"true\"}|HostConfig.Privileged",
            "{\"Binds\":[\"/etc:/host-etc\"]}|HostConfig.Binds",
            "{\"Binds\":[\"./here:/x\"]}|HostConfig.Binds",
            "{\"binds\":[\"/:/host\"]}|HostConfig.Binds",
            "{\"Mounts\":[{\"Type\":\"bind\",\"Source\":\"/\",\"Target\":\"/host\"}]}|HostConfig.Mounts",
            "{\"Mounts\":[{\"Type\":\"npipe\",\"Source\":\"x\",\"Target\":\"/x\"}]}|HostConfig.Mounts",
            "{\"Mounts\":[{\"Type\":\"volume\",\"Target\":\"/x\",\"VolumeOptions\":{\"DriverConfig\":{\"Name\":\"local\",\"Options\":{\"type\":\"none\",\"o\":\"bind\",\"device\":\"/etc\"}}}}]}|HostConfig.Mounts",
            "{\"Devices\":[{\"PathOnHost\":\"/dev/sda\"}]}|HostConfig.Devices",
            "{\"CapAdd\":[\"SYS_ADMIN\"]}|HostConfig.CapAdd",
            "{\"DeviceRequests\":[{\"Count\":-1}]}|HostConfig.DeviceRequests",
            "{\"NetworkMode\":\"host\"}|HostConfig.NetworkMode",
            "{\"PidMode\":\"host\"}|HostConfig.PidMode",
            "{\"PidMode\":\"container:abc\"}|HostConfig.PidMode",
            "{\"IpcMode\":\"host\"}|HostConfig.IpcMode",
            "{\"IpcMode\":\"container:abc\"}|HostConfig.IpcMode",
            "{\"UTSMode\":\"host\"}|HostConfig.UTSMode",
            "{\"UsernsMode\":\"host\"}|HostConfig.UsernsMode",
            "{\"CgroupnsMode\":\"host\"}|HostConfig.CgroupnsMode",
            "{\"SecurityOpt\":[\"seccomp=unconfined\"]}|HostConfig.SecurityOpt",
            "{\"SecurityOpt\":[\"apparmor:unconfined\"]}|HostConfig.SecurityOpt",
            "{\"SecurityOpt\":[\"label=disable\"]}|HostConfig.SecurityOpt",
            "{\"SecurityOpt\":[\"label:disable\"]}|HostConfig.SecurityOpt",
            "{\"Privileged\":false,\"privileged\":true}|more than once"})
    void refusesEscapesNamingTheField(String hostConfig, String field) {
        assertThat(checkCreate(create(hostConfig))).as(hostConfig).hasValueSatisfying(
                reason -> assertThat(reason).contains(field));
    }

    @Test
    void refusesMalformedBodies() {
        assertThat(checkCreate("not json")).hasValueSatisfying(r -> assertThat(r).contains("JSON"));
        assertThat(checkCreate("[1]")).hasValueSatisfying(r -> assertThat(r).contains("JSON object"));
        assertThat(checkCreate("{\"HostConfig\":{},\"HostConfig\":{\"Privileged\":true}}")).isPresent();
    }

    @Test
    void volumesMayNotBindHostPaths() {
        assertThat(GatewayPolicy.checkVolumeCreate("{\"Name\":\"v\",\"Driver\":\"local\"}".getBytes(StandardCharsets.UTF_8)))
                .isEmpty();
        assertThat(GatewayPolicy.checkVolumeCreate(
                "{\"Name\":\"v\",\"DriverOpts\":{\"type\":\"none\",\"o\":\"bind\",\"device\":\"/etc\"}}"
                        .getBytes(StandardCharsets.UTF_8))).hasValueSatisfying(r -> assertThat(r).contains("DriverOpts"));
        assertThat(GatewayPolicy.checkVolumeCreate(
                "{\"DriverOpts\":{\"type\":\"ext4\",\"device\":\"/dev/sda1\"}}".getBytes(StandardCharsets.UTF_8)))
                .hasValueSatisfying(r -> assertThat(r).contains("device"));
        assertThat(GatewayPolicy.checkVolumeCreate(
                "{\"DriverOpts\":{\"type\":\"tmpfs\",\"device\":\"tmpfs\",\"o\":\"size=100m\"}}"
                        .getBytes(StandardCharsets.UTF_8))).isEmpty();
    }

    @Test
    void mainRefusesToStartWithoutAToken() {
        assertThatThrownBy(() -> GatewayMain.fromEnvironment(Map.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("GATEWAY_TOKEN");
        assertThatThrownBy(() -> GatewayMain.fromEnvironment(Map.of("GATEWAY_TOKEN", "t", "GATEWAY_PORT", "x")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("GATEWAY_PORT");
        assertThat(GatewayMain.fromEnvironment(Map.of("GATEWAY_TOKEN", "t")).toString())
                .contains(":8080").contains("/var/run/docker.sock").doesNotContain("=t]");
    }
}
