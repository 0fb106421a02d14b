package org.cleverrunner.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The sanitiser against gitlab-runner's own table (cache/cachekey/cachekey_test.go, TestSanitize, at commit d79f3e7b,
 * 19.4.0), group by group; {@code null} is "wantErr": nothing is left of the key.
 */
class CacheKeysTest {

    static Stream<Arguments> gitlabRunnerTestSanitize() {
        return Stream.of(
                // Empty / identity
                Arguments.of("", null),
                Arguments.of("fallback_key", "fallback_key"),
                Arguments.of("some-job/some-ref", "some-job/some-ref"),
                Arguments.of(".../....", ".../...."),
                Arguments.of("...", "..."),
                // Trailing whitespace / slashes / backslashes
                Arguments.of("fallback_key/", "fallback_key"),
                Arguments.of("fallback_key ", "fallback_key"),
                Arguments.of("fallback_key\\", "fallback_key"),
                Arguments.of("fallback_key/ \\", "fallback_key"),
                Arguments.of("fallback_key/ / \\  \\", "fallback_key"),
                Arguments.of("fallback_key/o", "fallback_key/o"),
                Arguments.of("fallback_key / \\o", "fallback_key / /o"),
                Arguments.of("\t foo bar \t\r", "\t foo bar"),
                Arguments.of(" foo / bar ", " foo / bar"),
                Arguments.of("foo\r", "foo"),
                Arguments.of("foo\t", "foo"),
                Arguments.of("foo \t \r ", "foo"),
                // Completely unsanitisable
                Arguments.of("\\", null),
                Arguments.of("\\.", null),
                Arguments.of("/", null),
                Arguments.of(" ", null),
                Arguments.of(".", null),
                Arguments.of("..", null),
                Arguments.of(" / ", null),
                Arguments.of("//", null),
                Arguments.of("//\\", null),
                Arguments.of("../.", null),
                Arguments.of("foo\\bar\\..\\..", null),
                Arguments.of("foo/bar/../..", null),
                Arguments.of(" \t\r\n", null),
                // URL-encoded slashes (%2f / %2F)
                Arguments.of("something %2F something", "something / something"),
                Arguments.of("something %2f something", "something / something"),
                Arguments.of("some%2f../job/some/ref/.", "job/some/ref"),
                // URL-encoded dots (%2e / %2E)
                Arguments.of("%2E", null),
                Arguments.of("%2E%2E", null),
                Arguments.of("%2E%2E%2E", "..."),
                Arguments.of("%2e", null),
                Arguments.of("%2e%2E", null),
                Arguments.of(".%2E", null),
                Arguments.of("%2e.", null),
                Arguments.of("%2E%2e%2E", "..."),
                // %5C is left as it is
                Arguments.of("%5C", "%5C"),
                Arguments.of("%5c", "%5c"),
                // Forward-slash path traversal
                Arguments.of("foo/./bar", "foo/bar"),
                Arguments.of("foo/blipp/../bar", "foo/bar"),
                Arguments.of("/foo/bar", "foo/bar"),
                Arguments.of("//foo/bar", "foo/bar"),
                Arguments.of("./foo/bar", "foo/bar"),
                Arguments.of("../foo/bar", "foo/bar"),
                Arguments.of(".../foo/bar", ".../foo/bar"),
                Arguments.of("foo/bar/..", "foo"),
                Arguments.of("foo/bar/../../../.././blerp", "blerp"),
                Arguments.of("a/b/c/../../d", "a/d"),
                // Backslash path traversal
                Arguments.of("job\\name/git\\ref", "job/name/git/ref"),
                Arguments.of("foo\\.\\bar", "foo/bar"),
                Arguments.of("foo\\blipp\\..\\bar", "foo/bar"),
                Arguments.of("\\foo\\bar", "foo/bar"),
                Arguments.of("\\\\foo\\bar", "foo/bar"),
                Arguments.of(".\\foo\\bar", "foo/bar"),
                Arguments.of("..\\foo\\bar", "foo/bar"),
                Arguments.of("...\\foo\\bar", ".../foo/bar"),
                Arguments.of("foo\\bar\\..", "foo"),
                Arguments.of("foo\\bar\\..\\..\\..\\..\\.\\blerp", "blerp"),
                // Space-only segments & misc
                Arguments.of("foo/ /bar", "foo/ /bar"),
                Arguments.of("foo/ /", "foo"),
                Arguments.of("foo/ / /", "foo"));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("gitlabRunnerTestSanitize")
    void sanitizesAsGitlabRunner(String raw, String expected) {
        assertThat(CacheKeys.sanitize(raw)).isEqualTo(Optional.ofNullable(expected));
    }

    /** TestSanitizeIdempotent, and the table's own results sanitised again. */
    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("gitlabRunnerTestSanitize")
    void aSanitizedKeyIsLeftAsItIs(String raw, String expected) {
        if (expected != null) {
            assertThat(CacheKeys.sanitize(expected)).contains(expected);
        }
    }

    @Test
    void decodingIsOnePassAndCaseInsensitiveOnlyForFAndE() {
        assertThat(CacheKeys.sanitize("a%252fb")).contains("a%252fb");
        assertThat(CacheKeys.sanitize("a%2%2fb")).contains("a%2/b");
        assertThat(CacheKeys.sanitize("a%2Gb")).contains("a%2Gb");
        assertThat(CacheKeys.sanitize("a%2")).contains("a%2");
        assertThat(CacheKeys.sanitize("..%2F..%2Fother-project%5Cx")).contains("other-project%5Cx");
    }

    @Test
    void trimsWhatGoCallsSpaceNotWhatJavaDoes() {
        // Go's unicode.IsSpace: the no-break space is one, the information separators U+001C..U+001F are not
        assertThat(CacheKeys.sanitize("key\u00a0")).contains("key");
        assertThat(CacheKeys.sanitize("key\u3000\u2009")).contains("key");
        assertThat(CacheKeys.sanitize("key\u001f")).contains("key\u001f");
        assertThat(CacheKeys.sanitize("key\u200b")).contains("key\u200b"); // zero-width space is not White_Space
    }

    @Test
    void trimmingAfterCleaningCanLeaveADotSegmentLast() {
        // not in gitlab-runner's table, but what its Sanitize returns: cleaning runs before trimming
        assertThat(CacheKeys.sanitize("a/b/.. ")).contains("a/b/..");
        assertThat(CacheKeys.sanitize("main-protected/. ")).contains("main-protected/.");
        assertThat(CacheKeys.sanitize(".. ")).contains("..");
    }

    /** cache/cache_test.go, TestGenerateObjectName, with project 10. */
    @Test
    void keysResolveInsideTheProjectOrAreRefused() {
        assertThat(CacheKeys.withinProject(10, "key")).contains("key"); // default usage
        assertThat(CacheKeys.withinProject(10, "")).isEmpty(); // empty key
        assertThat(CacheKeys.withinProject(10, "../10/key")).contains("key"); // path traversal but within base path
        assertThat(CacheKeys.withinProject(10, "../10")).isEmpty(); // path traversal resolves to empty key
        assertThat(CacheKeys.withinProject(10, "../10-outside")).isEmpty(); // ... escapes project namespace
        // what a sanitised key can still hold, and where gitlab-runner's path.Join puts its object
        assertThat(CacheKeys.withinProject(10, "a/b/..")).contains("a");
        assertThat(CacheKeys.withinProject(10, "main-protected/.")).contains("main-protected");
        assertThat(CacheKeys.withinProject(10, "a/..")).isEmpty();
        assertThat(CacheKeys.withinProject(10, "..")).isEmpty();
        assertThat(CacheKeys.withinProject(10, " foo / bar")).contains(" foo / bar");
    }

    @Test
    void theDefaultKeyIsTheJobNameAndRefJoinedUnderAVirtualRoot() {
        // shells/abstract_test.go, "empty cache key": some-job-name/some-ref-name
        assertThat(CacheKeys.defaultKey("some-job-name", "some-ref-name")).isEqualTo("some-job-name/some-ref-name");
        assertThat(CacheKeys.defaultKey("rspec 1/2", "feature/x")).isEqualTo("rspec 1/2/feature/x");
        assertThat(CacheKeys.defaultKey("../../x", "main")).isEqualTo("x/main");
        assertThat(CacheKeys.defaultKey("build", null)).isEqualTo("build");
        assertThat(CacheKeys.defaultKey(null, "")).isEmpty();
    }

    @Test
    void cacheFallbackKeyEndingInProtectedIsRecognisedPastTrailingDotsAndSpaces() {
        // shells/abstract_test.go, TestAbstractShell_extractCacheWithDefaultFallbackKey
        assertThat(CacheKeys.endsInProtected("main-protected")).isTrue(); // using reserved suffix
        assertThat(CacheKeys.endsInProtected("main-protected.")).isTrue(); // using trailing dot suffix
        assertThat(CacheKeys.endsInProtected("main-protected. .")).isTrue();
        assertThat(CacheKeys.endsInProtected("test-fallback-cache-key")).isFalse(); // using allowed key value
        assertThat(CacheKeys.endsInProtected("main-non_protected")).isFalse();
        assertThat(CacheKeys.endsInProtected("main-protected/")).isFalse();
    }

    @Test
    void cleanIsGosPathClean() {
        assertThat(CacheKeys.clean("")).isEqualTo(".");
        assertThat(CacheKeys.clean("a//b/./c/..")).isEqualTo("a/b");
        assertThat(CacheKeys.clean("../../a")).isEqualTo("../../a");
        assertThat(CacheKeys.clean("a/../..")).isEqualTo("..");
        assertThat(CacheKeys.clean("/../a/")).isEqualTo("/a");
        assertThat(CacheKeys.clean("/..")).isEqualTo("/");
    }
}
