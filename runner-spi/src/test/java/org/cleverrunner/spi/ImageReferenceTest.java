package org.cleverrunner.spi;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * References as Docker's distribution library normalises them (its ParseNormalizedNamed and splitDockerDomain, as
 * documented in its reference grammar): Docker Hub's short forms, registries with ports, tags and digests; and what
 * it refuses.
 */
class ImageReferenceTest {

    private static final String SHA = "sha256:" + "0123456789abcdef".repeat(4);

    @ParameterizedTest
    @CsvSource({
            "alpine, docker.io, library/alpine, , ",
            "alpine:3.20, docker.io, library/alpine, 3.20, ",
            "postgres:14, docker.io, library/postgres, 14, ",
            "library/alpine, docker.io, library/alpine, , ",
            "octobus/heptapod:1, docker.io, octobus/heptapod, 1, ",
            "docker.io/octobus/heptapod:1, docker.io, octobus/heptapod, 1, ",
            "index.docker.io/x/y, docker.io, x/y, , ",
            "docker.io/alpine, docker.io, library/alpine, , ",
            "localhost/app, localhost, app, , ",
            "localhost:5000/group/app:v1, localhost:5000, group/app, v1, ",
            "127.0.0.1:41005/test/busybox:1, 127.0.0.1:41005, test/busybox, 1, ",
            "registry.gitlab.com/group/sub/project/image:latest, registry.gitlab.com, group/sub/project/image, latest, ",
            "Registry.Example.com/a, Registry.Example.com, a, , ",
            "gitlab.example.com:443/group/dependency_proxy/containers/alpine, gitlab.example.com:443, "
                    + "group/dependency_proxy/containers/alpine, , ",
            "a__b/c.d-e---f, docker.io, a__b/c.d-e---f, , ",
            "[::1]:5000/app, [::1]:5000, app, , ",
    })
    void normalisesAsDistributionDoes(String text, String domain, String path, String tag, String digest) {
        ImageReference.Parsed parsed = ImageReference.parse(text);

        assertThat(parsed.problem()).isNull();
        assertThat(parsed.reference()).contains(new ImageReference(domain, path, tag, digest));
    }

    @ParameterizedTest
    @ValueSource(strings = {"alpine@", "x/y:1@"})
    void anEmptyDigestIsRefused(String text) {
        assertThat(ImageReference.parse(text).problem()).contains("digest");
    }

    @org.junit.jupiter.api.Test
    void digestsAreKeptWithOrWithoutATag() {
        ImageReference pinned = ImageReference.parse("index.docker.io/x/y@" + SHA).reference().orElseThrow();
        ImageReference both = ImageReference.parse("alpine:3@" + SHA).reference().orElseThrow();

        assertThat(pinned).isEqualTo(new ImageReference("docker.io", "x/y", null, SHA));
        assertThat(pinned.canonical()).isEqualTo("docker.io/x/y@" + SHA);
        assertThat(both.canonical()).isEqualTo("docker.io/library/alpine:3@" + SHA);
        assertThat(both.withName("gitlab.example.com:443/g/dependency_proxy/containers/library/alpine"))
                .isEqualTo("gitlab.example.com:443/g/dependency_proxy/containers/library/alpine:3@" + SHA);
        assertThat(pinned.isDockerHub()).isTrue();
        assertThat(ImageReference.parse("quay.io/a/b").reference().orElseThrow().isDockerHub()).isFalse();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "''| the reference is empty",
            "alpine latest| its repository name has a component that is not lowercase",
            "Alpine| its repository name must be lowercase",
            "docker.io/Library/alpine| its repository name must be lowercase",
            "a/../b| its repository name has a component that is not lowercase",
            "a//b| its repository name has an empty component",
            "alpine;rm -rf /| its repository name has a component",
            "$(id)/x| its repository name has a component",
            "alpine:.x| its tag is not",
            "alpine:-x| its tag is not",
            "alpine:a b| its tag is not",
            "x@sha256:abc| its digest is not the algorithm's hex digits of the algorithm's length",
            "x@sha256:0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef| its digest is not the algorithm's",
            "x@md5:0123456789abcdef0123456789abcdef| its digest is not sha256:",
            "-x.com/a| its registry '-x.com' is not a host name",
            "x.com:port/a| its registry 'x.com:port' is not a host name",
            ":tag| it names no repository",
            "/a| its repository name has an empty component",
    })
    void refusesWhatTheGrammarRefusesWithTheReason(String text, String problem) {
        ImageReference.Parsed parsed = ImageReference.parse(text);

        assertThat(parsed.valid()).isFalse();
        assertThat(parsed.problem()).startsWith(problem.strip());
    }

    @org.junit.jupiter.api.Test
    void anOverlongNameIsRefused() {
        String name = "a/".repeat(127) + "bc";

        assertThat(ImageReference.parse(name).problem()).isEqualTo("its name is longer than 255 characters");
        assertThat(ImageReference.parse("a/".repeat(126) + "bc").valid()).isTrue();
    }
}
